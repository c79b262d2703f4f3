"""Reading companies through the sandbox: full and incremental reads, ties, archived records, resume, and a
window of more than 10,000 changes read past the search ceiling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Page, Position, StreamSpec, Window
from connectors.hubspot import HubSpotConnector
from sandbox.hubspot.store import ARCHIVED, LIVE
from sandbox.server import Sandbox

NOW = datetime(2026, 11, 1, tzinfo=UTC)
EVERYTHING = Window(datetime(2020, 1, 1, tzinfo=UTC), NOW + timedelta(days=3650))


def _live_ids(sb: Sandbox, obj: str) -> set[str]:
    store = sb.hs_account.stores[obj]
    return {str(store.ids[row]) for row in range(len(store.ids)) if store.state[row] == LIVE}


def _ids(pages: list[Page]) -> list[str]:
    return [record["id"] for page in pages for record in page.records]


def _companies(hs: HubSpotConnector) -> StreamSpec:
    return hs.streams(["companies"])[0]


def test_a_full_read_lists_every_live_company_then_the_archived_ones(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    pages = list(hs.read(_companies(hs), Window(None, NOW)))
    live = [r for p in pages if p.position.mode == "list" for r in p.records]
    archived = [r for p in pages if p.position.mode == "deleted" for r in p.records]
    assert {r["id"] for r in live} == _live_ids(shared_sandbox, "companies")
    assert len(live) == len({r["id"] for r in live})
    assert archived
    assert all(r["archived"] and r["archivedAt"] is not None for r in archived)
    assert max(len(p.records) for p in pages) == 100
    assert pages[-1].position.blob["after"] is None


def test_an_incremental_read_returns_exactly_the_window(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    spec = _companies(hs)
    everything = [r for p in hs.read(spec, Window(None, NOW)) for r in p.records if not r["archived"]]
    stamps = sorted(r["hs_lastmodifieddate"] for r in everything)
    start, end = stamps[len(stamps) // 3], stamps[2 * len(stamps) // 3]
    pages = list(hs.read(spec, Window(start, end)))
    found = {r["id"] for p in pages if p.position.mode == "search" for r in p.records}
    expected = {r["id"] for r in everything if start <= r["hs_lastmodifieddate"] <= end}
    assert found == expected
    assert hs.count(spec, Window(start, end)) == len(expected)


def test_records_tied_on_last_modified_are_all_read_across_pages(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox(accounts=500)
    tie = "2026-11-20T08:00:00.000Z"
    ids = sorted(_live_ids(sb, "companies"))[:230]
    assert len(ids) == 230
    for company in ids:
        sb.admin("update", "hubspot", object="companies", id=company, fields={}, stamp=tie)
    hs = connector(sb)
    spec = _companies(hs)
    moment = datetime(2026, 11, 20, 8, tzinfo=UTC)
    for window in (Window(moment - timedelta(milliseconds=1), moment), Window(moment, moment + timedelta(hours=1))):
        pages = [p for p in hs.read(spec, window) if p.position.mode == "search"]
        assert sorted(_ids(pages)) == ids
        assert len(pages) == 2


def test_an_incremental_read_lists_no_archive_and_read_deleted_lists_all_of_it(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    victims = sorted(_live_ids(sb, "companies"))[:3]
    before = datetime.now(UTC) - timedelta(seconds=1)
    sb.admin("delete", "hubspot", object="companies", ids=victims)
    hs = connector(sb)
    spec = _companies(hs)
    pages = list(hs.read(spec, Window(before, datetime.now(UTC) + timedelta(seconds=1))))
    assert {p.position.mode for p in pages} == {"search"}, "the archive is not re-read by every window"
    assert "list archived companies" not in hs.stats.by_operation
    assert not set(_ids(pages)) & set(victims)

    archived = [r for p in hs.read_deleted(spec) for r in p.records]
    store = sb.hs_account.stores["companies"]
    truth = {str(store.ids[row]) for row in range(len(store.ids)) if store.state[row] == ARCHIVED}
    assert {r["id"] for r in archived} == truth >= set(victims)
    assert all(r["archived"] for r in archived)
    assert hs.stats.by_operation["list archived companies"] == len(truth) // 100 + 1


def test_a_read_resumes_from_a_saved_position_even_when_the_window_grew(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox(accounts=700)
    first_end = datetime.now(UTC)
    window = Window(datetime(2020, 1, 1, tzinfo=UTC), first_end)
    hs = connector(sb)
    spec = _companies(hs)
    first = next(iter(hs.read(spec, window)))
    saved = first.position
    assert saved.mode == "search"
    assert len(first.records) == 200
    # After the crash, a company already read is changed; the rerun's window ends later.
    changed = first.records[10]["id"]
    sb.admin("update", "hubspot", object="companies", id=changed, fields={"industry": "RETAIL"})
    resumed_window = Window(window.start, datetime.now(UTC) + timedelta(seconds=1))
    resumed = [p for p in connector(sb).read(spec, resumed_window, saved) if p.position.mode == "search"]
    again = _ids(resumed)
    assert changed in again
    rest = [i for i in again if i != changed]
    assert not set(rest) & set(_ids([first]))
    assert set(_ids([first])) | set(again) == _live_ids(sb, "companies")
    assert len(again) == len(set(again))


def test_a_hand_made_position_resumes_after_its_last_id(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    spec = _companies(hs)
    ordered = sorted(_live_ids(shared_sandbox, "companies"), key=int)
    resumed = [
        p for p in hs.read(spec, EVERYTHING, Position("search", None, ordered[49])) if p.position.mode == "search"
    ]
    assert _ids(resumed) == ordered[50:]


def test_more_than_10000_changes_are_read_past_the_search_ceiling_without_duplicates(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox(accounts=12_700, both_share=0.0, hubspot_only_share=1.0, deals_per_account=1.0)
    hs = connector(sb, throttle=False)
    spec = _companies(hs)
    assert hs.count(spec, EVERYTHING) > 12_000
    pages = [p for p in hs.read(spec, EVERYTHING) if p.position.mode == "search"]
    ids = _ids(pages)
    assert len(ids) == len(set(ids))
    assert set(ids) == _live_ids(sb, "companies")
    assert ids == sorted(ids, key=int)
    searches = hs.stats.by_operation["search companies"]
    assert searches == len(pages) <= len(ids) // 200 + 1
    assert sb.stats()["statuses"]["hubspot"] == {"200": hs.stats.requests}


@pytest.mark.parametrize(("window", "live_mode"), [(Window(None, NOW), "list"), (EVERYTHING, "search")])
def test_resuming_after_any_page_reads_exactly_the_rest(shared_sandbox, connector, window, live_mode) -> None:
    hs = connector(shared_sandbox)
    spec = _companies(hs)
    pages = list(hs.read(spec, window))
    modes = [p.position.mode for p in pages]
    assert modes == sorted(modes, key=lambda m: m == "deleted")
    assert set(modes) == ({live_mode, "deleted"} if window.start is None else {live_mode})
    for k in range(len(pages)):
        resumed = list(hs.read(spec, window, pages[k].position))
        assert _ids(resumed) == _ids(pages[k + 1 :]), f"resuming after page {k}"


SLOW_MS = 150  # a call's round trip at which search's 200 a page at 5 a second beat the list's 100 a page


def test_on_a_slow_network_a_full_read_takes_its_live_records_by_search_then_the_archive(
    fresh_sandbox, connector
) -> None:
    sb = fresh_sandbox(accounts=600)  # more live companies than one search page holds
    sb.add_fault(crm="hubspot", kind="slow", ms=SLOW_MS)
    hs = connector(sb)
    spec = _companies(hs)  # its properties call is a round trip measured
    pages = list(hs.read(spec, Window(None, NOW)))
    live = [r for p in pages if p.position.mode == "search" for r in p.records]
    archived = [r for p in pages if p.position.mode == "deleted" for r in p.records]
    assert [p.position.mode for p in pages] == sorted((p.position.mode for p in pages), key=lambda m: m == "deleted")
    assert sorted(r["id"] for r in live) == sorted(_live_ids(sb, "companies"))
    assert archived
    assert all(r["archived"] for r in archived)
    assert max(len(p.records) for p in pages if p.position.mode == "search") == 200
    assert "list live companies" not in hs.stats.by_operation
    # A rerun goes on the way the interrupted read went, whatever the network is now: search positions by
    # search, archive positions by the archive, each after its page (no gap, no record twice).
    sb.faults.clear()
    rerun = connector(sb)
    for k in range(len(pages)):
        resumed = list(rerun.read(spec, Window(None, NOW), pages[k].position))
        assert _ids(resumed) == _ids(pages[k + 1 :]), f"resuming after page {k}"
    assert "list live companies" not in rerun.stats.by_operation


def test_a_full_read_begun_by_the_list_goes_on_by_the_list_on_a_slow_network(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    hs = connector(sb)
    spec = _companies(hs)
    pages = list(hs.read(spec, Window(None, NOW)))
    assert pages[0].position.mode == "list"
    sb.add_fault(crm="hubspot", kind="slow", ms=SLOW_MS)
    resumed = list(connector(sb).read(spec, Window(None, NOW), pages[0].position))
    assert {p.position.mode for p in resumed} == {"list", "deleted"}
    assert _ids(resumed) == _ids(pages[1:])
