"""Reading one stream page by page: incremental search segments, full list reads, archived records.

- Incremental (`window.start` set): search segments (see `segments.py`), 200 a page, sorted by
  `hs_object_id`. Search never returns archived records, and the archived listing
  (`GET /crm/v3/objects/{type}?archived=true`) takes no filter but `after`: re-listing the whole archive every
  run would cost as much as the archive, not the changes. So an incremental read lists no archive; the caller
  asks for it (`read_archived`) when the live count says records vanished.
- Full (`window.start is None`): the list endpoint (100 a page, `after` cursor), then every archived
  record (`archived=true`), yielded with `archived=True` so the caller marks it deleted.

Every page carries the position after it: `search` (remaining segments), `list` (`blob["after"]`) or
`deleted` (the archived listing's `blob["after"]`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from connectors.base import Page, Position, Record, SkippedRecord, StreamSpec, Window
from connectors.errors import FatalError
from connectors.hubspot.apis import HubSpotApis
from connectors.hubspot.convert import ConversionError, RecordConverter, parse_instant
from connectors.hubspot.enrich import add_merges, enrich_deals
from connectors.hubspot.people import enrich_contacts
from connectors.hubspot.segments import Bounds, Segment, plan_from, search_filters, to_ms, window_bounds
from connectors.hubspot.transport import Transport

__all__ = ["LIST_PAGE", "SEARCH_BODY_LIMIT", "SEARCH_PAGE", "StreamReader", "count_live", "search_body"]

SEARCH_PAGE: Final = 200
LIST_PAGE: Final = 100
SEARCH_BODY_LIMIT: Final = 3_000  # characters; HubSpot answers VALIDATION_ERROR past it
ENRICH_AHEAD: Final = 2  # deal pages whose companies and histories are read ahead of the page handed over


def search_body(
    segment: Segment, properties: tuple[str, ...], limit: int = SEARCH_PAGE, cursor: str = "hs_lastmodifieddate"
) -> dict[str, Any]:
    """The search request for the first page of a segment (keyset paging: `after` stays 0)."""
    return {
        "filterGroups": [{"filters": search_filters(segment, cursor)}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
        "after": "0",
    }


def count_live(
    transport: Transport, apis: HubSpotApis, obj: str, window: Window, cursor: str = "hs_lastmodifieddate"
) -> int:
    """Live records modified inside the window (`start` None: up to its end): one search call."""
    body = {
        "filterGroups": [{"filters": search_filters(Segment(*window_bounds(window)), cursor)}],
        "properties": ["hs_object_id"],
        "limit": 1,
    }
    reply = transport.call(f"count {obj}", apis.search.do_search, obj, body, search=True)
    return int((reply.body or {}).get("total", 0))


def _next_after(body: Mapping[str, Any]) -> str | None:
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


def _last_id(results: list[dict[str, Any]]) -> str | None:
    """The id of the page's last record that has one (a record without an id is skipped, not a crash)."""
    for raw in reversed(results):
        ident = raw.get("id") if isinstance(raw, dict) else None
        if ident is not None and str(ident).isdigit():
            return str(ident)
    return None


def _no_ids(connection: str, obj: str) -> str:
    raise FatalError(connection, f"the {obj} search returned a page with no record ids: cannot advance past it")


@dataclass
class StreamReader:
    """Reads one company or deal stream; `properties` are already intersected with the properties API."""

    transport: Transport
    apis: HubSpotApis
    spec: StreamSpec
    properties: tuple[str, ...]
    converter: RecordConverter
    field_errors: Mapping[str, str]
    lister: Any = None  # the list endpoint's API (the raw one, see rawlist.py); the SDK's when None
    full_by_search: bool = False  # a full read's live records by search rather than the list (full_read.py)

    def read(self, window: Window, resume: Position | None) -> Iterator[Page]:
        """The stream's pages inside `window`, resuming after `resume` when given."""
        if window.start is not None:
            yield from self._incremental(window, resume)
        elif resume.mode == "search" if resume is not None else self.full_by_search:
            yield from self._full_by_search(window, resume)
        else:
            yield from self._full(resume)

    # ---- incremental ----------------------------------------------------------------------------
    def _incremental(self, window: Window, resume: Position | None) -> Iterator[Page]:
        segments, _ = plan_from(window, resume)
        bounds = window_bounds(window)
        cursor = resume.cursor if resume is not None else None
        last_id = resume.last_id if resume is not None else None
        operation = f"search {self.spec.object}"
        # As for the list: the next page is asked for as soon as this one's last id is known, so that it is on the
        # wire while this page is converted, enriched and stored (the throttle holds both under search's limit).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hs-next-search") as ahead:

            def raw_pages() -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
                upcoming = ahead.submit(self._search_segment, segments[0], operation) if segments else None
                while upcoming is not None:
                    data = upcoming.result()
                    results = data.get("results") or []
                    if results:
                        segments[0] = segments[0].advanced(
                            int(_last_id(results) or _no_ids(self.transport.connection, self.spec.object))
                        )
                    if not results or _next_after(data) is None:
                        segments.pop(0)
                    upcoming = ahead.submit(self._search_segment, segments[0], operation) if segments else None
                    yield results, {"window": list(bounds), "segments": [s.as_json() for s in segments]}

            for records, skipped, results, blob in self._converted(raw_pages()):
                cursor = _latest(cursor, records)
                last_id = _last_id(results) or last_id
                yield self.page(records, skipped, Position("search", cursor, last_id, blob=blob))

    def _search_segment(self, segment: Segment, operation: str) -> dict[str, Any]:
        body = search_body(segment, self.properties, cursor=self.spec.cursor_field or "hs_lastmodifieddate")
        _check_size(self.transport.connection, body)
        return self._search(body, operation)

    def read_archived(self) -> Iterator[Page]:
        """Every archived record (HubSpot keeps them 90 days), `archived=True`, position mode `deleted`."""
        yield from self._archived(None, None, None)

    def _search(self, body: dict[str, Any], operation: str) -> dict[str, Any]:
        api = self.apis.search
        reply = self.transport.call(operation, api.do_search, self.spec.object, body, search=True)
        return reply.body or {}

    # ---- full ----------------------------------------------------------------------------------
    def _full_by_search(self, window: Window, resume: Position | None) -> Iterator[Page]:
        """Live records modified up to the window's end by search segments (as an incremental read with no start),
        then every archived record. A rerun goes on the way the interrupted read went (its position's mode)."""
        cursor = resume.cursor if resume is not None else None
        for page in self._incremental(window, resume):
            cursor = page.position.cursor
            yield page
        yield from self._archived(None, None, cursor)

    def _full(self, resume: Position | None) -> Iterator[Page]:
        cursor = resume.cursor if resume is not None else None
        if resume is not None and resume.mode == "deleted":
            if resume.blob.get("after") is not None:  # else nothing is left to read
                yield from self._archived(None, resume.blob["after"], cursor)
            return
        after = resume.blob.get("after") if resume is not None and resume.mode == "list" else None
        if resume is not None and resume.mode == "list" and after is None:  # the live listing was done
            yield from self._archived(None, None, cursor)
            return
        # The next page is asked for as soon as this one's `after` is known: it is on the wire while this page
        # is converted, enriched (deals) and stored. The throttle counts it in flight.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hs-next-page") as ahead:

            def raw_pages(after: str | None) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
                upcoming = ahead.submit(self._list, after, archived=False)
                while True:
                    data = upcoming.result()
                    after = _next_after(data)
                    if after is not None:
                        upcoming = ahead.submit(self._list, after, archived=False)
                    yield data.get("results") or [], {"after": after}
                    if after is None:
                        return

            for records, skipped, results, blob in self._converted(raw_pages(after)):
                cursor = _latest(cursor, records)
                yield self.page(records, skipped, Position("list", cursor, _last_id(results), blob=blob))
        yield from self._archived(None, None, cursor)

    def _list(self, after: str | None, *, archived: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"limit": LIST_PAGE, "properties": list(self.properties), "archived": archived}
        if after is not None:
            kwargs["after"] = after
        what = "archived" if archived else "live"
        lister = self.lister or self.apis.objects
        reply = self.transport.call(f"list {what} {self.spec.object}", lister.get_page, self.spec.object, **kwargs)
        return reply.body or {}

    # ---- archived ------------------------------------------------------------------------------
    def _archived(
        self, bounds: tuple[int | None, int] | None, after: str | None, cursor: datetime | None
    ) -> Iterator[Page]:
        """Archived records (all of them, or those archived inside `bounds` for an incremental read)."""
        while True:
            data = self._list(after, archived=True)
            results = [raw for raw in data.get("results") or [] if _archived_inside(raw, bounds)]
            records, skipped = self.page_records(results)
            for record in records:
                record["archived"] = True
            after = _next_after(data)
            last_id = _last_id(results)
            blob: dict[str, Any] = {"after": after}
            if bounds is not None:
                blob["window"] = list(bounds)
            yield self.page(records, skipped, Position("deleted", cursor, last_id, blob=blob))
            if after is None:
                return

    # ---- pages ---------------------------------------------------------------------------------
    def _converted(
        self, raw_pages: Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]
    ) -> Iterator[tuple[list[Record], list[SkippedRecord], list[dict[str, Any]], dict[str, Any]]]:
        """`page_records` of each raw page (with the raw results and the page's blob), in order.

        A deals page needs two more calls (its companies and stage histories, read side by side): they are
        sent for page n+1 as soon as it arrives, while page n is handed over and stored and page n+2 is on the
        wire, so a deal page costs about one round trip rather than two. At most `ENRICH_AHEAD` pages are
        converted ahead of the one handed over; the throttle holds every call under the account's limits. When
        the call for a next page fails (a stop for quota, say), the pages read before it are handed over first,
        as they were when one page was read at a time.
        """
        if self.spec.object != "deals":
            for results, blob in raw_pages:
                records, skipped = self.page_records(results)
                yield records, skipped, results, blob
            return
        with ThreadPoolExecutor(max_workers=ENRICH_AHEAD, thread_name_prefix="hs-enrich") as pool:
            pending: deque[tuple[Future[tuple[list[Record], list[SkippedRecord]]], list[dict[str, Any]],
                                 dict[str, Any]]] = deque()  # fmt: skip
            failed: Exception | None = None
            while True:
                try:
                    arrived = next(raw_pages, None)
                except Exception as exc:  # the next page's call failed: what was read before it goes first
                    failed, arrived = exc, None
                if arrived is None:
                    break
                results, blob = arrived
                pending.append((pool.submit(self.page_records, results), results, blob))
                if len(pending) > ENRICH_AHEAD:
                    done, raw, kept = pending.popleft()
                    yield (*done.result(), raw, kept)
            while pending:
                done, raw, kept = pending.popleft()
                yield (*done.result(), raw, kept)
            if failed is not None:
                raise failed

    def page_records(self, results: list[dict[str, Any]]) -> tuple[list[Record], list[SkippedRecord]]:
        """Raw results converted (a record that does not convert is skipped with its reason), with their
        merges, and for deals their companies and stage history."""
        records, skipped = self.converter.convert_page(results)
        add_merges(records)
        if self.spec.object == "deals":
            skipped += enrich_deals(self.transport, self.apis, records)
        elif self.spec.object == "contacts":
            enrich_contacts(self.transport, self.apis.associations, records)
        return records, skipped

    def page(self, records: list[Record], skipped: list[SkippedRecord], position: Position) -> Page:
        """A page of this stream, with the fields that failed."""
        return Page(self.spec.name, records, position, skipped=skipped, field_errors=dict(self.field_errors))


def _check_size(connection: str, body: dict[str, Any]) -> None:
    size = len(orjson.dumps(body))
    if size > SEARCH_BODY_LIMIT:
        message = f"the search body is {size} characters, past HubSpot's {SEARCH_BODY_LIMIT}: request fewer properties"
        raise FatalError(connection, message, code="VALIDATION_ERROR")


def _latest(cursor: datetime | None, records: list[Record]) -> datetime | None:
    # A converted record's stamp is a datetime or None (one that does not read skips the record).
    latest = max(filter(None, [r.get("hs_lastmodifieddate") for r in records]), default=None)
    if latest is None or (cursor is not None and cursor > latest):
        return cursor
    return latest  # type: ignore[no-any-return]


def _archived_inside(raw: Mapping[str, Any], bounds: Bounds | None) -> bool:
    if bounds is None:
        return True
    stamp = raw.get("archivedAt") or raw.get("updatedAt")
    try:
        moment = to_ms(parse_instant(str(stamp)))
    except ConversionError:
        return True  # unknown archive time: yield it; marking a record deleted twice is harmless
    lo, hi = bounds
    return (lo is None or moment >= lo) and moment <= hi
