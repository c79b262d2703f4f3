"""Incremental reads against the sandbox: ties at a page edge, resume, lookback, deletes, schema drift."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Page, Position, StreamSpec, Window
from connectors.salesforce import SalesforceConnector, connect
from connectors.salesforce.convert import RecordShape
from connectors.salesforce.reader import rest_pages
from connectors.salesforce.streams import StreamPlan

from .conftest import FAST_RETRY, SfConn, make_accounts
from .conftest import stamp_text as _stamp

SF = "salesforce"


def ids(pages: list[Page]) -> list[str]:
    return [r["Id"] for p in pages for r in p.records]


def test_equal_stamps_across_a_page_edge_are_neither_lost_nor_repeated_on_resume(sandbox: Any, sf_conn: SfConn) -> None:
    t0 = datetime(2031, 1, 1, tzinfo=UTC)
    tie = t0 + timedelta(seconds=199)
    stamps = (
        [t0 + timedelta(seconds=i) for i in range(197)] + [tie] * 8 + [tie + timedelta(seconds=i) for i in range(1, 46)]
    )
    expected = make_accounts(sandbox, stamps, "Tie")
    window = Window(t0 - timedelta(seconds=1), t0 + timedelta(hours=1))
    first = connect("sandbox-sf", sf_conn(), page_size=200, retry=FAST_RETRY)
    [spec] = first.streams(["Account"])
    reader = first.read(spec, window)
    page_one = next(reader)
    assert len(page_one.records) == 200
    assert page_one.position.cursor == tie  # the page ends inside the run of equal stamps
    reader.close()
    first.close()  # a crash after the first page was stored

    again = connect("sandbox-sf", sf_conn(), page_size=200, retry=FAST_RETRY)
    rest = list(again.read(spec, window, resume=page_one.position))
    again.close()
    records = [p for p in rest if p.position.mode == "rest"]
    assert ids([page_one]) + ids(records) == expected
    assert records[-1].position.complete is True


def test_a_lookback_window_catches_a_record_committed_late(sandbox: Any, sf: SalesforceConnector) -> None:
    t0 = datetime(2031, 2, 1, tzinfo=UTC)
    [spec] = sf.streams(["Account"])
    make_accounts(sandbox, [t0 + timedelta(minutes=1)], "Early")
    first = list(sf.read(spec, Window(t0, t0 + timedelta(minutes=10))))
    cursor = first[0].position.cursor
    assert cursor == t0 + timedelta(minutes=1)
    # a transaction that began before the cursor commits after the run: its stamp is behind the cursor
    late = make_accounts(sandbox, [t0 + timedelta(seconds=30)], "Late")
    assert cursor is not None
    no_lookback = list(sf.read(spec, Window(cursor, t0 + timedelta(minutes=20))))
    with_lookback = list(sf.read(spec, Window(cursor - timedelta(minutes=10), t0 + timedelta(minutes=20))))
    assert late[0] not in ids(no_lookback)
    assert late[0] in ids(with_lookback)


def test_soft_deletes_arrive_flagged_and_in_the_deleted_ids(sandbox: Any, sf: SalesforceConnector) -> None:
    now = datetime.now(UTC)
    [gone] = make_accounts(sandbox, [now - timedelta(hours=2)], "Gone")
    sandbox.admin("delete", SF, object="Account", ids=[gone], stamp=_stamp(now - timedelta(minutes=3)))
    [spec] = sf.streams(["Account"])
    pages = list(sf.read(spec, Window(now - timedelta(minutes=10), now)))
    flagged = {r["Id"]: r["IsDeleted"] for p in pages for r in p.records}
    assert flagged[gone] is True
    deletes = pages[-1]
    assert deletes.position.mode == "deleted"
    assert deletes.deleted_ids == [gone]
    assert deletes.position.needs_full_resync is False
    assert deletes.position.cursor == now.replace(second=0, microsecond=0)  # getDeleted covers whole minutes


def test_a_record_deleted_for_good_is_only_found_by_a_full_resync(fresh_sandbox: Any, sf_conn: SfConn) -> None:
    now = datetime.now(UTC)
    connector = connect("sandbox-sf", sf_conn(), retry=FAST_RETRY)
    [spec] = connector.streams(["Account"])
    [victim] = make_accounts(fresh_sandbox, [now - timedelta(hours=1)], "Purged")
    fresh_sandbox.admin("delete", SF, object="Account", ids=[victim], stamp=_stamp(now - timedelta(minutes=3)))
    fresh_sandbox.admin("hard_delete", SF, object="Account", ids=[victim])
    pages = list(connector.read(spec, Window(now - timedelta(minutes=10), now)))
    connector.close()
    assert victim not in {r["Id"] for p in pages for r in p.records}
    assert victim not in pages[-1].deleted_ids
    assert pages[-1].position.needs_full_resync is True  # earliestDateAvailable moved past the start


def test_a_window_older_than_the_delete_reach_asks_for_a_full_resync(sf: SalesforceConnector) -> None:
    now = datetime.now(UTC)
    [spec] = sf.streams(["Account"])
    pages = list(sf.read(spec, Window(now - timedelta(days=20), now)))
    assert pages[-1].position.mode == "deleted"
    assert pages[-1].position.needs_full_resync is True


def test_resuming_after_the_records_only_fetches_the_deletes(sf: SalesforceConnector) -> None:
    now = datetime.now(UTC)
    [spec] = sf.streams(["Account"])
    done = Position("rest", cursor=now, last_id="001zzzzzzzzzzzzzzz", complete=True)
    pages = list(sf.read(spec, Window(now - timedelta(hours=1), now), resume=done))
    assert [p.position.mode for p in pages] == ["deleted"]


def test_a_removed_field_fails_that_field_only(sandbox: Any, sf_conn: SfConn) -> None:
    connector = connect("sandbox-sf", sf_conn(), extra_fields={"Account": ["NoSuchField__c"]}, retry=FAST_RETRY)
    [spec] = connector.streams(["Account"])
    assert "NoSuchField__c" in connector.field_errors("Account")
    sandbox.admin("remove_field", SF, object="Account", field="Industry")  # drift after the streams were read
    try:
        pages = list(connector.read(spec, Window(None, datetime(2027, 1, 1, tzinfo=UTC))))
    finally:
        sandbox.admin("restore_field", SF, object="Account", field="Industry")
        connector.close()
    records = [r for p in pages for r in p.records]
    assert len(records) > 10
    assert all("Industry" not in r and r["Name"] for r in records)
    assert set(pages[0].field_errors) == {"NoSuchField__c", "Industry"}
    assert set(connector.field_errors("Account")) == {"NoSuchField__c", "Industry"}


def test_the_httpx_fast_path_reads_the_same_pages_and_logs_in_again(sandbox: Any, sf_conn: SfConn) -> None:
    window = Window(None, datetime(2027, 1, 1, tzinfo=UTC))
    plain = connect("sandbox-sf", sf_conn(), page_size=200, retry=FAST_RETRY)
    fast = connect("sandbox-sf", sf_conn(), page_size=200, retry=FAST_RETRY, query_path="httpx")
    [spec] = plain.streams(["OpportunityHistory"])
    expected = list(plain.read(spec, window))
    reader = fast.read(spec, window)
    pages = [next(reader)]
    sandbox.admin("expire_sessions", SF)
    pages += list(reader)
    plain.close()
    fast.close()
    assert ids(pages) == ids(expected)
    assert [p.records for p in pages] == [p.records for p in expected]
    assert fast.org.logins == 2
    assert fast.quota().used is not None


class _CountedPages:
    """Three query pages of one record each; `asked` lists the calls in the order they were made."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def _answer(self, n: int) -> dict[str, Any]:
        stamp = f"2031-03-01T00:00:0{n}.000+0000"
        more = {"nextRecordsUrl": f"/next/{n + 1}"} if n < 3 else {}
        return {"done": n == 3, "records": [{"Id": f"001{n}", "SystemModstamp": stamp}], **more}

    def first(self, soql: str) -> dict[str, Any]:
        self.asked.append("first")
        return self._answer(1)

    def more(self, next_records_url: str) -> dict[str, Any]:
        self.asked.append(next_records_url)
        return self._answer(int(next_records_url.rsplit("/", 1)[1]))


def _plan() -> StreamPlan:
    spec = StreamSpec("Account", "Account", "Id", "SystemModstamp", ("Id", "SystemModstamp"))
    return StreamPlan(spec, RecordShape(spec.fields, {"Id": "id", "SystemModstamp": "datetime"}))


def test_a_read_in_one_piece_asks_for_the_next_page_before_the_caller_is_done_with_this_one() -> None:
    pages = _CountedPages()
    reader = rest_pages(pages, _plan(), None, None)
    first = next(reader)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while len(pages.asked) < 2 and datetime.now(UTC) < deadline:  # the fetch-ahead thread is on its way
        time.sleep(0.01)
    assert [r["Id"] for r in first.records] == ["0011"]
    assert pages.asked == ["first", "/next/2"]
    assert [r["Id"] for p in reader for r in p.records] == ["0012", "0013"]


def test_a_slice_holds_no_page_ahead_of_the_one_it_hands_out() -> None:
    """Slices read side by side are the concurrency; a page fetched ahead per slice would only double the
    records held in memory while the slices' pages wait to be stored."""
    pages = _CountedPages()
    reader = rest_pages(pages, _plan(), None, None, ahead=False)
    first = next(reader)
    time.sleep(0.2)
    assert [r["Id"] for r in first.records] == ["0011"]
    assert pages.asked == ["first"]
    rest = list(reader)
    assert [r["Id"] for p in rest for r in p.records] == ["0012", "0013"]
    assert rest[-1].position.complete is True
    assert pages.asked == ["first", "/next/2", "/next/3"]
