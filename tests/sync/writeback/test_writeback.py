"""Write-back over the fake CRM: minimal calls, diffing, rejections, rep-owned fields, crash recovery."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from config import Deployment, load_deployment
from connectors import FieldInfo
from sync import AccountScore, ScoringRun, WritebackRejection, session, utcnow
from sync.jobs import run_sync, run_writeback
from tests.fakes import T0, Crash, hs_company, sf_account
from tests.sync.conftest import DEPLOYMENT_YAML

WRITEBACK_YAML = DEPLOYMENT_YAML.replace(
    "    precedence: {industry: hubspot, employees: most_recent}\n",
    """    precedence: {industry: hubspot, employees: most_recent}
    rep_owned_fields: [Tier__c]
    writeback:
      - connection: sf
        object: Account
        fields: {score: Score__c, tier: Tier__c, reasons: Reasons__c}
      - connection: hs
        object: companies
        fields: {score: accountsync_score, tier: accountsync_tier}
""",
)


@pytest.fixture
def wb_deployment(tmp_path: Any) -> Deployment:
    path = tmp_path / "deploy.yaml"
    path.write_text(WRITEBACK_YAML)
    return load_deployment(path, {})


def _schema(crms: dict[str, Any]) -> None:
    crms["sf"].schema["Account"] = {
        "Score__c": FieldInfo("Score__c", "double"),
        "Tier__c": FieldInfo("Tier__c", "string", length=1),
        "Reasons__c": FieldInfo("Reasons__c", "textarea", length=255),
    }


def _world(crms: dict[str, Any], n_sf: int, n_hs: int) -> None:
    for i in range(n_sf):
        crms["sf"].put("Account", sf_account(i, T0 + timedelta(seconds=i), Website=f"https://sf{i}.example"))
    for i in range(n_hs):
        crms["hs"].put("companies", hs_company(i, T0, domain=f"hs{i}.example"))


def _score(engine: Any, scores: dict[str, float], as_of: date = date(2026, 11, 1)) -> None:
    with session(engine) as s, s.begin():
        run = ScoringRun(as_of=as_of)
        s.add(run)
        s.flush()
        for key, score in scores.items():
            tier = "A" if score >= 80 else "B" if score >= 60 else "C"
            s.add(AccountScore(scoring_run_id=run.id, account_key=key, score=score, tier=tier, rank=1,
                               reasons=[f"score {score}", "In ICP industry: Software"], figures={}))  # fmt: skip


def _keys(n_sf: int, n_hs: int) -> list[str]:
    return [f"sf:{sf_account(i, T0)['Id']}" for i in range(n_sf)] + [f"hs:{9000 + i}" for i in range(n_hs)]


def _setup(wb_deployment, store, crms, factory, n_sf: int = 450, n_hs: int = 250) -> list[str]:
    _schema(crms)
    crms["sf"].page_size = crms["hs"].page_size = 200
    _world(crms, n_sf, n_hs)
    run_sync(wb_deployment, "nightly", engine=store, factory=factory)
    keys = _keys(n_sf, n_hs)
    _score(store, {k: 50.0 + (i % 40) for i, k in enumerate(keys)})
    return keys


def test_writeback_first_write_uses_ceil_n_over_batch_calls(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory)
    summary = run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    assert summary.status == "succeeded"
    assert len(crms["sf"].write_calls) == math.ceil(450 / 200)
    assert len(crms["hs"].write_calls) == math.ceil(250 / 100)
    assert [f.name for f in crms["hs"].created_fields] == ["accountsync_score", "accountsync_tier"]


def test_writeback_unchanged_rerun_makes_zero_write_calls(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory, 230, 120)
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    crms["sf"].write_calls.clear()
    crms["hs"].write_calls.clear()
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    assert crms["sf"].write_calls == []
    assert crms["hs"].write_calls == []


def test_writeback_a_change_to_k_accounts_sends_exactly_those(wb_deployment, store, crms, factory) -> None:
    keys = _setup(wb_deployment, store, crms, factory, 30, 20)
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    changed = dict.fromkeys(keys[:3] + keys[-2:], 99.0)
    _score(store, {k: changed.get(k, 50.0 + (i % 40)) for i, k in enumerate(keys)})
    crms["sf"].write_calls.clear()
    crms["hs"].write_calls.clear()
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    [(_, sf_batch)] = crms["sf"].write_calls
    [(_, hs_batch)] = crms["hs"].write_calls
    assert {f"sf:{u.record_id}" for u in sf_batch} == set(keys[:3])
    assert {f"hs:{u.record_id}" for u in hs_batch} == set(keys[-2:])
    assert all(u.values["Score__c"] == 99.0 for u in sf_batch)


def test_writeback_dry_run_plan_equals_what_the_real_run_sends(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory, 30, 20)
    _ = run_writeback(wb_deployment, "nightly", engine=store, factory=factory, dry_run=True)
    assert crms["sf"].write_calls == []
    assert crms["hs"].created_fields == []  # a dry run creates nothing either
    crms["hs"].schema["companies"] = {
        "accountsync_score": FieldInfo("accountsync_score", "number"),
        "accountsync_tier": FieldInfo("accountsync_tier", "string"),
    }
    plan = run_writeback(wb_deployment, "nightly", engine=store, factory=factory, dry_run=True)
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    sent = {
        (crm, u.record_id): dict(u.values) for crm in ("sf", "hs") for _, batch in crms[crm].write_calls for u in batch
    }
    planned = {(t["connection"], u["record_id"]): u["values"] for t in plan.targets for u in t["updates"]}
    assert planned == sent
    assert sum(t["write_calls"] for t in plan.targets) == len(crms["sf"].write_calls) + len(crms["hs"].write_calls)


def test_writeback_rejected_records_are_stored_and_retried(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory, 5, 0)
    bad = sf_account(2, T0)["Id"]
    crms["sf"].reject_ids[bad] = ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Score must be approved")
    summary = run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    assert summary.status == "partial"
    with session(store) as s:
        [rejection] = s.exec(select(WritebackRejection)).all()
    assert (rejection.record_id, rejection.code) == (bad, "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    assert rejection.message == "Score must be approved"
    del crms["sf"].reject_ids[bad]
    crms["sf"].write_calls.clear()
    assert run_writeback(wb_deployment, "nightly", engine=store, factory=factory).status == "succeeded"
    [(_, batch)] = crms["sf"].write_calls
    assert [u.record_id for u in batch] == [bad]
    with session(store) as s:
        assert s.exec(select(WritebackRejection)).one().resolved_at is not None


def test_writeback_rep_edited_field_is_left_alone(wb_deployment, store, crms, factory) -> None:
    keys = _setup(wb_deployment, store, crms, factory, 3, 0)
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    edited = sf_account(1, T0)["Id"]
    crms["sf"].objects["Account"][edited].update(Tier__c="B", SystemModstamp=utcnow() - timedelta(seconds=1))
    run_sync(wb_deployment, "nightly", engine=store, factory=factory)
    _score(store, dict.fromkeys(keys, 90.0))  # every tier becomes A
    crms["sf"].write_calls.clear()
    summary = run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    [(_, batch)] = crms["sf"].write_calls
    by_id = {u.record_id: dict(u.values) for u in batch}
    assert "Tier__c" not in by_id[edited]
    assert by_id[edited]["Score__c"] == 90.0
    assert all(v["Tier__c"] == "A" for rid, v in by_id.items() if rid != edited)
    [sf_target] = [t for t in summary.targets if t["connection"] == "sf"]
    assert sf_target["skipped_rep_owned"] == 1


def test_writeback_crash_after_a_batch_landed_never_resends_it(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory, 450, 0)
    crms["sf"].crash_after_write_calls = 2  # the CRM accepted batch 2, then the process died
    with pytest.raises(Crash):
        run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    crms["sf"].crash_after_write_calls = None
    sent_before = [u.record_id for _, b in crms["sf"].write_calls for u in b]
    crms["sf"].write_calls.clear()
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    sent_after = [u.record_id for _, b in crms["sf"].write_calls for u in b]
    assert len(sent_before) == 400
    assert len(sent_after) == 50
    assert not set(sent_before) & set(sent_after)


def test_writeback_never_writes_deleted_records(wb_deployment, store, crms, factory) -> None:
    _setup(wb_deployment, store, crms, factory, 4, 0)
    gone = sf_account(0, T0)["Id"]
    crms["sf"].put("Account", sf_account(0, T0 + timedelta(days=2), IsDeleted=True))
    run_sync(wb_deployment, "nightly", engine=store, factory=factory)
    run_writeback(wb_deployment, "nightly", engine=store, factory=factory)
    assert gone not in {u.record_id for _, b in crms["sf"].write_calls for u in b}


def test_writeback_refuses_when_fields_are_missing_and_creation_is_off(tmp_path, store, crms, factory) -> None:
    path = tmp_path / "deploy.yaml"
    old = "        fields: {score: Score__c, tier: Tier__c, reasons: Reasons__c}\n"
    new = "        fields: {score: Score__c, clv: CLV__c}\n        create_missing_fields: false\n"
    path.write_text(WRITEBACK_YAML.replace(old, new))
    deployment = load_deployment(path, {})
    _setup(deployment, store, crms, factory, 2, 0)
    summary = run_writeback(deployment, "nightly", engine=store, factory=factory)
    assert summary.status == "failed"
    assert "missing fields on Account: CLV__c (creation not allowed)" in (summary.message or "")
    assert crms["sf"].write_calls == []
