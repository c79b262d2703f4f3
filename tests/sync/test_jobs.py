"""The sync engine over a fake CRM: pages and positions committed together, resumes, deletes, identity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from sync import Account, JobLocked, Opportunity, SourceAccount, SyncRun, session, utcnow
from sync.jobs import SyncOptions, run_sync
from sync.runs import locks
from sync.runs.records import create_run
from tests.fakes import T0, Crash, hs_company, sf_account, sf_opportunity


def _accounts(engine: Any, connection: str = "sf") -> dict[str, SourceAccount]:
    with session(engine) as s:
        rows = s.exec(select(SourceAccount).where(SourceAccount.connection == connection)).all()
    return {r.source_id: r for r in rows}


def _seed(crms: dict[str, Any], n: int = 10) -> None:
    for i in range(n):
        crms["sf"].put("Account", sf_account(i, T0 + timedelta(minutes=i)))
        crms["sf"].put("Opportunity", sf_opportunity(i, i, T0 + timedelta(minutes=i)))


def test_first_run_stores_every_record_and_counts_inserts(deployment, store, crms, factory) -> None:
    _seed(crms)
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    assert summary.status == "succeeded", summary.errors
    assert summary.streams["sf.Account"]["inserted"] == 10
    assert summary.streams["sf.Opportunity"]["inserted"] == 10
    assert len(_accounts(store)) == 10


def test_rerun_with_nothing_changed_reads_only_the_lookback(deployment, store, crms, factory) -> None:
    _seed(crms)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    assert summary.totals["read"] == 0
    assert summary.totals["inserted"] == 0


def test_a_crash_mid_stream_resumes_from_the_committed_position(deployment, store, crms, factory) -> None:
    _seed(crms, 10)
    crms["sf"].crash_after_pages = 2
    with pytest.raises(Crash):
        run_sync(deployment, "nightly", engine=store, factory=factory)
    assert len(_accounts(store)) == 6  # two pages of three, each committed with its position
    crms["sf"].crash_after_pages = None
    crms["sf"].reads.clear()
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    obj, resumed = crms["sf"].reads[0]
    assert obj == "Account"
    assert resumed is not None
    assert resumed.last_id == sf_account(5, T0)["Id"]
    assert summary.streams["sf.Account"]["inserted"] == 4
    assert len(_accounts(store)) == 10


def test_a_run_that_resumes_a_window_goes_on_to_what_changed_since(deployment, store, crms, factory) -> None:
    _seed(crms, 10)
    crms["sf"].crash_after_pages = 2
    with pytest.raises(Crash):
        run_sync(deployment, "nightly", engine=store, factory=factory)
    crms["sf"].crash_after_pages = None
    crms["sf"].put("Account", sf_account(42, utcnow()))  # edited after the interrupted run began
    crms["sf"].reads.clear()

    summary = run_sync(deployment, "nightly", engine=store, factory=factory)

    account_reads = [resume for obj, resume in crms["sf"].reads if obj == "Account"]
    assert account_reads[0] is not None, "the interrupted window is resumed first"
    assert account_reads[1] is None, "then a fresh window from the cursor to this run's start"
    assert len(_accounts(store)) == 11
    assert summary.streams["sf.Account"]["inserted"] == 5


def test_equal_modstamps_across_a_page_edge_are_never_lost(deployment, store, crms, factory) -> None:
    stamp = T0 + timedelta(hours=1)
    for i in range(7):
        crms["sf"].put("Account", sf_account(i, stamp))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    crms["sf"].put("Account", sf_account(7, stamp))  # committed late, with the same stamp
    run_sync(deployment, "nightly", engine=store, factory=factory)
    assert len(_accounts(store)) == 8


def test_soft_delete_marks_the_row_deleted_and_keeps_it(deployment, store, crms, factory) -> None:
    _seed(crms, 3)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    crms["sf"].put("Account", sf_account(1, T0 + timedelta(days=1), IsDeleted=True))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    rows = _accounts(store)
    assert len(rows) == 3
    assert rows[sf_account(1, T0)["Id"]].deleted_at is not None


def test_full_resync_marks_records_gone_from_the_source_as_deleted(deployment, store, crms, factory) -> None:
    _seed(crms, 4)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    del crms["sf"].objects["Account"][sf_account(2, T0)["Id"]]  # hard-deleted past any delete log
    summary = run_sync(deployment, "nightly", engine=store, factory=factory, options=SyncOptions(full=True))
    rows = _accounts(store)
    assert rows[sf_account(2, T0)["Id"]].deleted_at is not None
    assert sum(r.deleted_at is None for r in rows.values()) == 3
    assert summary.streams["sf.Account"]["deleted"] == 1


def test_a_record_read_again_at_its_stored_stamp_counts_as_read_not_updated(deployment, store, crms, factory) -> None:
    """A full re-read (or a lookback, or a stream read whole every run) meets records it already holds: only the one
    whose CRM stamp moved is an update; the others are read and unchanged."""
    _seed(crms, 4)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    crms["sf"].put("Account", sf_account(2, T0 + timedelta(days=1), Name="Acme Two"))
    summary = run_sync(deployment, "nightly", engine=store, factory=factory, options=SyncOptions(full=True))
    counts = summary.streams["sf.Account"]
    assert (counts["read"], counts["inserted"], counts["updated"], counts["deleted"]) == (4, 0, 1, 0)
    assert _accounts(store)[sf_account(2, T0)["Id"]].name == "Acme Two"


def test_a_bad_value_is_stored_empty_with_a_warning_and_the_record_kept(deployment, store, crms, factory) -> None:
    _seed(crms, 3)
    crms["sf"].put("Account", sf_account(3, T0, AnnualRevenue="lots"))
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    assert summary.status == "succeeded"
    assert len(_accounts(store)) == 4
    assert [e for e in summary.errors if e["kind"] == "skipped_record"] == []
    with session(store) as s:
        run = s.get(SyncRun, summary.run_id)
        assert run is not None
        [warning] = (run.counts or {})["extra"]["warnings"]
    assert (warning["record_id"], warning["field"]) == (sf_account(3, T0)["Id"], "AnnualRevenue")
    assert "AnnualRevenue is not a number" in warning["message"]


def test_same_company_in_both_crms_becomes_one_account(deployment, store, crms, factory) -> None:
    crms["sf"].put("Account", sf_account(1, T0, Industry="Software", NumberOfEmployees=100))
    crms["hs"].put("companies", hs_company(1, T0 + timedelta(days=1), numberofemployees="250"))
    crms["sf"].put("Account", sf_account(2, T0, Website="gmail.com"))
    crms["hs"].put("companies", hs_company(2, T0, domain="gmail.com"))
    crms["sf"].put("Opportunity", sf_opportunity(1, 1, T0))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s:
        accounts = {a.key: a for a in s.exec(select(Account)).all()}
        opp = s.exec(select(Opportunity)).one()
    key = f"sf:{sf_account(1, T0)['Id']}"
    assert set(accounts) == {key, f"sf:{sf_account(2, T0)['Id']}", "hs:9002"}  # public mail domains never match
    assert accounts[key].industry == "SOFTWARE"  # precedence: industry from hubspot
    assert accounts[key].employees == 250  # most_recent: HubSpot changed later
    assert accounts[key].name == "Acme 1"  # default precedence: salesforce
    assert opp.account_key == key


def test_explicit_link_wins_over_domain(deployment, store, crms, factory) -> None:
    crms["sf"].put("Account", sf_account(1, T0))
    crms["sf"].put("Account", sf_account(2, T0, Website="https://acme9.com"))
    crms["hs"].put("companies", hs_company(9, T0, salesforce_account_id=sf_account(1, T0)["Id"]))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    hs = _accounts(store, "hs")["9009"]
    assert hs.account_key == f"sf:{sf_account(1, T0)['Id']}"


def test_hubspot_merge_moves_the_victim_to_the_survivor(deployment, store, crms, factory) -> None:
    crms["hs"].put("companies", hs_company(1, T0))
    crms["hs"].put("companies", hs_company(2, T0, domain="other.com"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    del crms["hs"].objects["companies"]["9002"]
    crms["hs"].put("companies", hs_company(1, T0 + timedelta(days=1), hs_merged_object_ids="9002"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    rows = _accounts(store, "hs")
    assert rows["9002"].merged_into == "9001"
    assert rows["9002"].deleted_at is not None
    assert rows["9002"].account_key == rows["9001"].account_key


def test_two_runs_of_one_job_never_overlap(deployment, store, crms, factory) -> None:
    holder = create_run(store, job="nightly")
    locks.acquire(store, job="nightly", run_id=holder, holder="elsewhere:1")
    with pytest.raises(JobLocked, match=f"already running as run {holder}"):
        run_sync(deployment, "nightly", engine=store, factory=factory)
    locks.release(store, job="nightly", run_id=holder)
    assert run_sync(deployment, "nightly", engine=store, factory=factory).status == "succeeded"


def test_lock_of_a_dead_process_on_this_host_is_taken_over(deployment, store, crms, factory) -> None:
    import socket

    holder = create_run(store, job="nightly")
    locks.acquire(store, job="nightly", run_id=holder, holder=f"{socket.gethostname()}:999999")
    assert run_sync(deployment, "nightly", engine=store, factory=factory).status == "succeeded"


def test_reconciliation_finds_and_repairs_a_gap(deployment, store, crms, factory) -> None:
    _seed(crms, 5)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s, s.begin():
        s.execute(delete(SourceAccount).where(SourceAccount.source_id == sf_account(3, T0)["Id"]))
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    [audit] = [a for a in summary.audits if a["stream"] == "Account"]
    assert audit["repaired_from"]["store"] == 4
    assert audit["agrees"]
    assert sf_account(3, T0)["Id"] in _accounts(store)


def test_run_row_records_status_counts_and_progress(deployment, store, crms, factory) -> None:
    _seed(crms, 4)
    summary = run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert run.status == "succeeded"
    assert run.counts is not None
    assert run.counts["inserted"] == 8
    assert run.progress is not None
    assert run.progress["sf.Account"]["done"] is True


def test_an_account_whose_records_joined_another_is_no_longer_live(deployment, store, crms, factory) -> None:
    crms["hs"].put("companies", hs_company(5, T0, domain="late-match.com"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    crms["sf"].put("Account", sf_account(5, utcnow() - timedelta(seconds=1), Website="late-match.com"))
    run_sync(deployment, "nightly", engine=store, factory=factory)
    with session(store) as s:
        live = {a.key for a in s.exec(select(Account).where(col(Account.deleted_at).is_(None))).all()}
    assert live == {f"sf:{sf_account(5, T0)['Id']}"}
