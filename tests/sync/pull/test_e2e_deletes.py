"""End to end: deletes in either CRM mark rows deleted (kept, never dropped); a full resync sweeps the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync import SourceAccount, StreamCursor, SyncRun, session, utcnow
from tests.sync.conftest_e2e import HS, SF, differences, hs_truth, sf_truth, stamp_text, store_view


def live(truth: dict[str, dict[str, Any]]) -> list[str]:
    return [i for i, r in sorted(truth.items()) if not r["deleted"]]


def two_minutes_ago() -> str:
    """getDeleted covers whole minutes that have passed: a delete stamped two minutes ago is covered now."""
    return stamp_text(datetime.now(UTC) - timedelta(minutes=2))


def test_salesforce_soft_deletes_arrive_by_query_all_and_get_deleted_and_are_kept_marked(make_e2e) -> None:
    e2e = make_e2e(sf=["Account", "Opportunity"], hs=None)
    e2e.sync()
    accounts, opportunities = live(sf_truth(e2e.sandbox, "Account")), live(sf_truth(e2e.sandbox, "Opportunity"))
    account = next(a for a in accounts if any(o["account"] == a for o in sf_truth(e2e.sandbox, "Opportunity").values()))
    opportunity = next(o for o in opportunities if sf_truth(e2e.sandbox, "Opportunity")[o]["account"] != account)
    e2e.sandbox.admin("delete", SF, object="Account", ids=[account], stamp=two_minutes_ago())  # cascades
    e2e.sandbox.admin("delete", SF, object="Opportunity", ids=[opportunity], stamp=two_minutes_ago())
    before = len(store_view(e2e.engine, "Opportunity", SF))

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    stored = store_view(e2e.engine, "Opportunity", SF)
    assert len(stored) == before, "deleted rows are kept"
    assert stored[opportunity]["deleted"]
    cascaded = [i for i, r in stored.items() if r["account"] == account]
    assert cascaded, "the account had opportunities"
    assert all(stored[i]["deleted"] for i in cascaded)
    assert store_view(e2e.engine, "Account", SF)[account]["deleted"]
    assert summary.streams["salesforce.Account"]["deleted"] >= 1
    for obj in ("Account", "Opportunity"):
        assert differences(sf_truth(e2e.sandbox, obj), store_view(e2e.engine, obj, SF)) == {}


def test_a_hard_deleted_salesforce_record_is_marked_deleted_and_kept(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=None)
    e2e.sync()
    gone = live(sf_truth(e2e.sandbox, "Account"))[0]
    e2e.sandbox.admin("hard_delete", SF, object="Account", ids=[gone])

    e2e.sync()

    stored = store_view(e2e.engine, "Account", SF)
    assert stored[gone]["deleted"], "gone from queryAll and the recycle bin: marked deleted, kept"
    assert differences(sf_truth(e2e.sandbox, "Account"), stored) == {}


def test_hubspot_archives_are_kept_marked_deleted(make_e2e) -> None:
    e2e = make_e2e(sf=None, hs=["companies", "deals"])
    e2e.sync()
    company = live(hs_truth(e2e.sandbox, "companies"))[0]
    deal = live(hs_truth(e2e.sandbox, "deals"))[-1]
    e2e.sandbox.admin("delete", HS, object="companies", ids=[company])
    e2e.sandbox.admin("delete", HS, object="deals", ids=[deal])

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    companies, deals = store_view(e2e.engine, "companies", HS), store_view(e2e.engine, "deals", HS)
    assert companies[company]["deleted"]
    assert deals[deal]["deleted"]
    assert differences(hs_truth(e2e.sandbox, "companies"), companies) == {}
    assert differences(hs_truth(e2e.sandbox, "deals"), deals) == {}


def _archive_listings(sb) -> int:
    """Listings of archived CRM objects (owners are listed archived too, for their names: not counted)."""
    listed = [e for e in sb.log.recent if e.crm == "hubspot" and "/crm/v3/objects/" in e.path]
    return sum(1 for e in listed if "archived=true" in e.query.lower())


def test_a_hubspot_incremental_run_lists_the_archive_only_when_records_vanished(make_e2e) -> None:
    e2e = make_e2e(sf=None, hs=["companies", "deals"])
    e2e.sync()
    company = live(hs_truth(e2e.sandbox, "companies"))[1]
    e2e.sandbox.admin("update", HS, object="companies", id=company, fields={"industry": "RETAIL"})
    e2e.sandbox.log.reset()

    quiet = e2e.sync()

    assert quiet.status == "succeeded", quiet.errors
    assert _archive_listings(e2e.sandbox) == 0, "no record vanished: the archive is not re-read"
    e2e.sandbox.admin("delete", HS, object="companies", ids=[company])
    e2e.sandbox.log.reset()

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    assert _archive_listings(e2e.sandbox) >= 1
    assert [a.get("repair") for a in summary.audits if a["stream"] == "companies"] == ["deleted listing"]
    companies = store_view(e2e.engine, "companies", HS)
    assert companies[company]["deleted"]
    assert differences(hs_truth(e2e.sandbox, "companies"), companies) == {}


def test_a_full_resync_marks_every_record_the_crm_no_longer_has_as_deleted_and_keeps_it(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])
    e2e.sync()
    gone = live(sf_truth(e2e.sandbox, "Account"))[:2]
    e2e.sandbox.admin("hard_delete", SF, object="Account", ids=gone)
    with session(e2e.engine) as s, s.begin():  # a company purged from HubSpot's recycle bin while we were away
        s.add(SourceAccount(connection=HS, crm=HS, source_id="999999999", name="Purged Inc", updated_at=utcnow()))
    rows_before = len(store_view(e2e.engine, "Account", SF)) + len(store_view(e2e.engine, "companies", HS))

    summary = e2e.sync(full=True)

    assert summary.status == "succeeded", summary.errors
    accounts, companies = store_view(e2e.engine, "Account", SF), store_view(e2e.engine, "companies", HS)
    assert len(accounts) + len(companies) == rows_before, "nothing is dropped"
    assert all(accounts[i]["deleted"] for i in gone)
    assert companies["999999999"]["deleted"]
    assert summary.streams["salesforce.Account"]["deleted"] == 2
    assert summary.streams["hubspot.companies"]["deleted"] == 1
    assert differences(sf_truth(e2e.sandbox, "Account"), accounts) == {}
    assert differences(hs_truth(e2e.sandbox, "companies"), companies) == {}


def test_a_full_resync_keeps_live_a_record_edited_after_its_window_closed(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])
    e2e.sync()
    account = live(sf_truth(e2e.sandbox, "Account"))[0]
    company = live(hs_truth(e2e.sandbox, "companies"))[0]
    later = stamp_text(datetime.now(UTC) + timedelta(minutes=1))  # a rep's edit landing while the resync runs
    e2e.sandbox.admin("update", SF, object="Account", id=account, fields={"NumberOfEmployees": 4242}, stamp=later)
    e2e.sandbox.admin("update", HS, object="companies", id=company, fields={"numberofemployees": "4343"}, stamp=later)

    summary = e2e.sync(full=True)

    assert summary.status == "succeeded", summary.errors
    assert not store_view(e2e.engine, "Account", SF)[account]["deleted"], "past the window is not gone"
    assert not store_view(e2e.engine, "companies", HS)[company]["deleted"]
    assert summary.streams["salesforce.Account"]["deleted"] == 0


def test_a_window_older_than_the_delete_log_reads_the_stream_in_full_and_sweeps_what_is_gone(make_e2e) -> None:
    """Salesforce's getDeleted reaches back 15 days: a job that last ran before that cannot learn of every
    delete from it, so the stream is read in full and what the CRM no longer holds is marked deleted."""
    e2e = make_e2e(sf=["Account"], hs=None)
    e2e.sync()
    gone = live(sf_truth(e2e.sandbox, "Account"))[0]
    e2e.sandbox.admin("hard_delete", SF, object="Account", ids=[gone])
    with session(e2e.engine) as s, s.begin():
        cursor = s.get(StreamCursor, ("e2e", SF, "Account"))
        assert cursor is not None
        cursor.cursor_value = utcnow() - timedelta(days=20)

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    stored = store_view(e2e.engine, "Account", SF)
    assert stored[gone]["deleted"]
    assert differences(sf_truth(e2e.sandbox, "Account"), stored) == {}
    assert any("delete log" in notice for notice in summary_notices(e2e, summary.run_id))
    with session(e2e.engine) as s:
        cursor = s.get(StreamCursor, ("e2e", SF, "Account"))
        assert cursor is not None
        assert not cursor.state, "the full read cleared the mark"
    assert e2e.sync().streams["salesforce.Account"]["read"] < len(stored), "the next run is incremental again"


def summary_notices(e2e: Any, run_id: int) -> list[str]:
    with session(e2e.engine) as s:
        run = s.get(SyncRun, run_id)
        assert run is not None
        return list((run.counts or {}).get("extra", {}).get("notices", []))
