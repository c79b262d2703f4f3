"""Share of wallet reaches the CRMs as a percentage with four decimals: a true 0.00055 is written 0.055 (%), never
0.0, and writing it again costs no call (the CRM's value, read back, is what we would write)."""

from __future__ import annotations

from sqlmodel import select

from config import load_deployment
from connectors import FieldInfo
from sync import AccountScore, ScoringRun, SourceAccount, session
from sync.jobs import run_sync, run_writeback
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
# (true share of wallet, the percentage written: hand-computed, half-even at four decimals)
SHARES = [(0.00055, 0.055), (0.583, 58.3), (0.123456789, 12.3457), (1.0, 100.0), (0.000000004, 0.0)]


def test_share_of_wallet_is_written_as_a_percentage_with_four_decimals(tmp_path, store, crms, factory) -> None:
    ratio_written = SHARES
    path = tmp_path / "deploy.yaml"
    path.write_text(PERCENT_YAML)
    deployment = load_deployment(path, {})
    crms["sf"].schema["Account"] = {"Wallet_Share__c": FieldInfo("Wallet_Share__c", "percent")}
    for i in range(len(ratio_written)):
        crms["sf"].put("Account", sf_account(i, T0, Website=f"https://sf{i}.example"))
        crms["hs"].put("companies", hs_company(i, T0, domain=f"hs{i}.example"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s:
        keys = sorted({a.account_key for a in s.exec(select(SourceAccount)).all() if a.account_key})
    expected_by_key = {}
    with session(store) as s, s.begin():
        run = ScoringRun(as_of=T0.date())
        s.add(run)
        s.flush()
        for i, key in enumerate(keys):
            ratio, written = ratio_written[i % len(ratio_written)]
            expected_by_key[key] = written
            s.add(AccountScore(scoring_run_id=run.id, account_key=key, score=50.0, tier="C", rank=i + 1,
                               reasons=[], figures={"share_of_wallet": ratio}))  # fmt: skip

    summary = run_writeback(deployment, "nightly", engine=store, factory=factory)

    assert summary.status == "succeeded"
    sent = {
        f"{'sf' if crm == 'sf' else 'hs'}:{u.record_id}": v
        for crm in ("sf", "hs")
        for _, batch in crms[crm].write_calls
        for u in batch
        for v in u.values.values()
    }
    assert sent
    for key, value in sent.items():
        assert value == expected_by_key[key], key
    assert 0.055 in sent.values()
    created = {f.name: (f.kind, f.scale) for f in crms["hs"].created_fields}
    assert created == {"accountsync_share_of_wallet": ("percent", 4)}

    crms["sf"].write_calls.clear()
    crms["hs"].write_calls.clear()
    again = run_writeback(deployment, "nightly", engine=store, factory=factory)
    assert again.status == "succeeded"
    assert crms["sf"].write_calls == []
    assert crms["hs"].write_calls == []
