"""Figures reach the CRMs as their fields hold them. Share of wallet is a percentage with four decimals: a true
0.00055 is written 0.055 (%), never 0.0, and writing it again costs no call (the CRM's value, read back, is what
we would write). The score is cut to one decimal, never rounded up: 79.97 is a B and is written 79.9, not 80.0."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from config import load_deployment
from connectors import FieldInfo
from sync import AccountScore, ScoringRun, SourceAccount, session
from sync.jobs import WritebackSummary, run_sync, run_writeback
from tests.fakes import T0, hs_company, sf_account
from tests.sync.conftest import DEPLOYMENT_YAML

PERCENT_YAML = DEPLOYMENT_YAML.replace(
    "    precedence: {industry: hubspot, employees: most_recent}\n",
    """    precedence: {industry: hubspot, employees: most_recent}
    writeback:
      - connection: sf
        object: Account
        fields: {share_of_wallet: Wallet_Share__c}
      - connection: hs
        object: companies
        fields: {share_of_wallet: accountsync_share_of_wallet}
""",
)
SCORE_YAML = PERCENT_YAML.replace("{share_of_wallet: Wallet_Share__c}", "{score: Score__c}").replace(
    "{share_of_wallet: accountsync_share_of_wallet}", "{score: accountsync_score}"
)
# (true share of wallet, the percentage written: hand-computed, half-even at four decimals)
SHARES = [(0.00055, 0.055), (0.583, 58.3), (0.123456789, 12.3457), (1.0, 100.0), (0.000000004, 0.0)]
# (score, its tier, the score written: cut to one decimal by hand)
SCORES = [(79.9690656386923, "B", 79.9), (80.0, "A", 80.0), (86.7272909746489, "A", 86.7), (4.1, "D", 4.1),
          (99.99, "A", 99.9)]  # fmt: skip


def _write_back(
    tmp_path: Any, store: Any, crms: Any, factory: Any, yaml: str, rows: list[tuple[float, str, dict[str, float]]]
) -> tuple[WritebackSummary, list[str], dict[str, Any]]:
    """Accounts pulled from both fakes, one stored scoring run of `rows` (score, tier, figures), cycled over the
    account keys, written back: the summary, the keys, and the value each record was sent, by account key."""
    path = tmp_path / "deploy.yaml"
    path.write_text(yaml)
    deployment = load_deployment(path, {})
    for i in range(len(rows)):
        crms["sf"].put("Account", sf_account(i, T0, Website=f"https://sf{i}.example"))
        crms["hs"].put("companies", hs_company(i, T0, domain=f"hs{i}.example"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s:
        keys = sorted({a.account_key for a in s.exec(select(SourceAccount)).all() if a.account_key})
    with session(store) as s, s.begin():
        run = ScoringRun(as_of=T0.date())
        s.add(run)
        s.flush()
        for i, key in enumerate(keys):
            score, tier, figures = rows[i % len(rows)]
            s.add(AccountScore(scoring_run_id=run.id, account_key=key, score=score, tier=tier, rank=i + 1,
                               reasons=[], figures=figures))  # fmt: skip
    summary = run_writeback(deployment, "nightly", engine=store, factory=factory)
    sent = {f"{crm}:{u.record_id}": v for crm in ("sf", "hs") for _, batch in crms[crm].write_calls for u in batch
            for v in u.values.values()}  # fmt: skip
    return summary, keys, sent


def test_share_of_wallet_is_written_as_a_percentage_with_four_decimals(tmp_path, store, crms, factory) -> None:
    crms["sf"].schema["Account"] = {"Wallet_Share__c": FieldInfo("Wallet_Share__c", "percent")}
    rows = [(50.0, "C", {"share_of_wallet": ratio}) for ratio, _ in SHARES]
    summary, keys, sent = _write_back(tmp_path, store, crms, factory, PERCENT_YAML, rows)
    expected_by_key = {key: SHARES[i % len(SHARES)][1] for i, key in enumerate(keys)}

    assert summary.status == "succeeded"
    assert sent
    for key, value in sent.items():
        assert value == expected_by_key[key], key
    assert 0.055 in sent.values()
    created = {f.name: (f.kind, f.scale) for f in crms["hs"].created_fields}
    assert created == {"accountsync_share_of_wallet": ("percent", 4)}

    crms["sf"].write_calls.clear()
    crms["hs"].write_calls.clear()
    path = tmp_path / "deploy.yaml"
    again = run_writeback(load_deployment(path, {}), "nightly", engine=store, factory=factory)
    assert again.status == "succeeded"
    assert crms["sf"].write_calls == []
    assert crms["hs"].write_calls == []


def test_the_score_is_written_cut_to_one_decimal_so_it_never_reads_as_the_next_tier(
    tmp_path, store, crms, factory
) -> None:
    crms["sf"].schema["Account"] = {"Score__c": FieldInfo("Score__c", "double")}
    summary, keys, sent = _write_back(tmp_path, store, crms, factory, SCORE_YAML,
                                      [(score, tier, {}) for score, tier, _ in SCORES])  # fmt: skip
    assert summary.status == "succeeded"
    assert sent == {key: SCORES[i % len(SCORES)][2] for i, key in enumerate(keys)}
    assert 79.9 in sent.values()
