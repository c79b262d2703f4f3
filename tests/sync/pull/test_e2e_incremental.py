"""End to end: incremental runs against CRMs that keep changing, and equal modstamps at page and window edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from sync import StreamCursor, session
from tests.sync.conftest_e2e import HS, SF, differences, hs_truth, sf_truth, stamp_text, store_view

QUERY_MORE = r"^/services/data/v[0-9.]+/query/[^/]+$"  # a nextRecordsUrl: the second page of a REST query


def everything(e2e) -> dict[tuple[str, str], dict[str, Any]]:
    """Differences of every compared stream (empty dicts when the store equals the sandbox)."""
    truths = {(SF, obj): sf_truth(e2e.sandbox, obj) for obj in ("Account", "Opportunity", "OpportunityLineItem")}
    truths |= {(HS, obj): hs_truth(e2e.sandbox, obj) for obj in ("companies", "deals")}
    return {key: differences(truth, store_view(e2e.engine, key[1], key[0])) for key, truth in truths.items()}


def wrongly_deleted(e2e) -> dict[tuple[str, str], list[str]]:
    """Records the store marks deleted that the CRM still holds live (the CRMs never undelete here)."""
    truths = {(SF, obj): sf_truth(e2e.sandbox, obj) for obj in ("Account", "Opportunity")}
    truths |= {(HS, obj): hs_truth(e2e.sandbox, obj) for obj in ("companies", "deals")}
    found = {}
    for (crm, obj), truth in truths.items():
        stored = store_view(e2e.engine, obj, crm)
        wrong = sorted(i for i, r in truth.items() if not r["deleted"] and stored.get(i, {}).get("deleted"))
        if wrong:
            found[(crm, obj)] = wrong
    return found


def test_records_the_mutator_changes_during_a_pull_are_all_at_their_latest_values_after_the_next_run(
    make_e2e,
) -> None:
    e2e = make_e2e(accounts=80, sf=["Account", "Opportunity", "OpportunityLineItem"], hs=["companies", "deals"])
    e2e.sandbox.mutator.start(rate=150, seed=5)
    try:
        first = e2e.sync()
    finally:
        e2e.sandbox.mutator.stop()
    during = [m for m in e2e.sandbox.mutator.history if m.error is None]
    assert len(during) > 20, "the mutator should have changed records while the pull ran"
    assert {m.crm for m in during} == {SF, HS}
    assert first.status in ("succeeded", "partial")
    assert wrongly_deleted(e2e) == {}, "a record edited while the full read ran is not gone"

    second = e2e.sync()

    assert second.status == "succeeded", (second.message, second.errors)
    found = everything(e2e)
    assert found == {key: {} for key in found}


def test_equal_modstamps_across_a_salesforce_page_edge_survive_a_stop_and_the_resume(make_e2e) -> None:
    # read in one piece (a window read in slices has no page edge at 2,000: each slice is shorter)
    e2e = make_e2e(accounts=250, sf=["OpportunityHistory"], hs=None, pull_concurrency=1)
    truth = sf_truth(e2e.sandbox, "OpportunityHistory")
    order = sorted(truth, key=lambda i: (truth[i]["entered_at"], i))
    assert len(order) > 2100, "the stream needs a second page of 2,000 rows"
    tie = truth[order[1990]]["entered_at"]
    for record_id in order[1990:2010]:  # SystemModstamp of a history row is its CreatedDate
        e2e.sandbox.admin(
            "update", SF, object="OpportunityHistory", id=record_id, fields={"CreatedDate": stamp_text(tie)}
        )
    e2e.sandbox.add_fault(crm=SF, kind="quota", path=QUERY_MORE, regex=True, count=1)

    stopped = e2e.sync()

    assert stopped.status == "stopped_for_budget"
    with session(e2e.engine) as s:
        cursor = s.exec(select(StreamCursor)).one()
    assert cursor.last_id is not None
    assert (cursor.state or {})["position_cursor"] == tie.isoformat(), "the page edge falls inside the tie"
    assert len(store_view(e2e.engine, "OpportunityHistory", SF)) == 2000

    resumed = e2e.sync()

    assert resumed.status == "succeeded", resumed.errors
    assert resumed.streams["salesforce.OpportunityHistory"]["read"] == len(truth) - 2000
    expected = sf_truth(e2e.sandbox, "OpportunityHistory")
    assert differences(expected, store_view(e2e.engine, "OpportunityHistory", SF)) == {}


def test_equal_modstamps_across_hubspot_search_pages_survive_a_stop_and_the_resume(make_e2e) -> None:
    e2e = make_e2e(accounts=200, sf=None, hs=["deals"])
    e2e.sync()
    live = [i for i, r in hs_truth(e2e.sandbox, "deals").items() if not r["deleted"]]
    assert len(live) > 200, "more tied deals than one search page holds"
    now = datetime.now(UTC) - timedelta(seconds=5)
    tie = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the CRMs keep milliseconds
    for deal in live:
        e2e.sandbox.admin("update", HS, object="deals", id=deal, fields={}, stamp=stamp_text(tie))
    # the run's count is the first search, its first page the second: stop the run at the second page
    e2e.sandbox.add_fault(crm=HS, kind="quota", path="/crm/v3/objects/deals/search", after=2, count=1)

    stopped = e2e.sync()

    assert stopped.status == "stopped_for_budget"
    stored = store_view(e2e.engine, "deals", HS)
    assert sum(1 for i in live if stored[i]["modstamp"] == tie) == 200

    resumed = e2e.sync()

    assert resumed.status == "succeeded", resumed.errors
    stored = store_view(e2e.engine, "deals", HS)
    assert [i for i in live if stored[i]["modstamp"] != tie] == []
    assert differences(hs_truth(e2e.sandbox, "deals"), stored) == {}


def test_records_committed_late_with_the_cursors_own_stamp_are_caught_by_the_lookback(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])
    e2e.sync()
    with session(e2e.engine) as s:
        cursors = {c.connection: c.cursor_value for c in s.exec(select(StreamCursor)).all() if c.cursor_value}
    accounts = [i for i, r in sorted(sf_truth(e2e.sandbox, "Account").items()) if not r["deleted"]][:3]
    companies = [i for i, r in sorted(hs_truth(e2e.sandbox, "companies").items()) if not r["deleted"]][:3]
    for n, record_id in enumerate(accounts):  # a transaction that began before the run and committed after it
        e2e.sandbox.admin("update", SF, object="Account", id=record_id, fields={"NumberOfEmployees": 9000 + n},
                          stamp=stamp_text(cursors[SF]))  # fmt: skip
    for n, record_id in enumerate(companies):
        e2e.sandbox.admin("update", HS, object="companies", id=record_id, fields={"numberofemployees": str(9100 + n)},
                          stamp=stamp_text(cursors[HS] - timedelta(minutes=3)))  # fmt: skip

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    accounts_now, companies_now = store_view(e2e.engine, "Account", SF), store_view(e2e.engine, "companies", HS)
    assert [accounts_now[i]["employees"] for i in accounts] == [9000, 9001, 9002]
    assert [companies_now[i]["employees"] for i in companies] == [9100, 9101, 9102]
    assert differences(sf_truth(e2e.sandbox, "Account"), accounts_now) == {}
    assert differences(hs_truth(e2e.sandbox, "companies"), companies_now) == {}
