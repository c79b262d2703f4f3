"""Incremental REST reads: `queryAll` (soft deletes included) in `(cursor, Id)` order, a position per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from connectors.base import Page, Position, Record, Window
from connectors.salesforce.convert import ConversionError, convert_records, to_datetime
from connectors.salesforce.session import OrgSession
from connectors.salesforce.soql import select
from connectors.salesforce.streams import StreamPlan
from connectors.salesforce.widequery import URI_BUDGET, encoded_length, field_groups, join_groups

QueryAnswer = Mapping[str, Any]


class QueryPages(Protocol):
    """Where REST query pages come from (the SDK on `requests`, or the httpx fast path)."""

    def first(self, soql: str) -> QueryAnswer:
        """`GET /queryAll/?q=soql` (deleted rows included)."""
        ...

    def more(self, next_records_url: str) -> QueryAnswer:
        """`GET nextRecordsUrl`, followed verbatim."""
        ...


def position_after(mode: str, cursor_field: str | None, row: Record) -> Position:
    """The position after `row` (its cursor value and Id)."""
    cursor: datetime | None = None
    if cursor_field is not None and row.get(cursor_field) not in (None, ""):
        try:
            cursor = to_datetime(row[cursor_field])
        except ConversionError:
            cursor = None
    return Position(mode, cursor=cursor, last_id=str(row.get("Id") or "") or None)


def rest_pages(
    pages: QueryPages, plan: StreamPlan, window: Window | None, after: Position | None, *, ahead: bool = True
) -> Iterator[Page]:
    """The stream's pages in `window` after `after`; the last one says `complete`.

    `ahead`: the next page is requested as soon as the current one's `nextRecordsUrl` is known, so the org
    works on it while this page is converted and the caller stores it (a read in one piece). A slice of a
    window read side by side does without: the other slices keep the connection busy, and a page fetched
    ahead per slice would double what the slices hold in memory. A page whose rows all failed conversion
    still moves the position past them.
    """
    spec = plan.spec

    def fits(fields: Sequence[str]) -> bool:
        return encoded_length(select(spec.object, tuple(fields), spec.cursor_field, window, after)) <= URI_BUDGET

    keep = ("Id", spec.cursor_field) if spec.cursor_field else ("Id",)
    driving, *others = field_groups(spec.fields, keep, fits)
    answer = pages.first(select(spec.object, driving, spec.cursor_field, window, after))
    position = after or Position("rest")
    with ThreadPoolExecutor(1, thread_name_prefix="sf-next-page") if ahead else nullcontext() as pool:
        while True:
            done = bool(answer.get("done", True)) or not answer.get("nextRecordsUrl")
            upcoming = None if done else _later(pool, pages.more, str(answer["nextRecordsUrl"]))
            raw = list(answer.get("records") or [])
            if others:  # more fields than one URL carries: the rest joined on Id
                join_groups(raw, spec.object, others, lambda soql: all_records(pages, soql))
            rows = plan.shape.flatten_page(raw)
            if rows:
                position = position_after("rest", spec.cursor_field, rows[-1])
            if done:
                position = Position("rest", position.cursor, position.last_id, complete=True)
            records, skipped = convert_records(plan.shape, rows, csv=False)
            page = Page(spec.name, records, position, skipped=skipped, field_errors=plan.field_errors)
            # Only the caller holds this page from now on: nothing here keeps it alive while the page after the
            # next one is parsed (else three pages of records at once).
            del answer, raw, rows, records, skipped
            yield page
            del page
            if upcoming is None:
                return
            answer = upcoming.result()


@dataclass(frozen=True, slots=True)
class _Deferred:
    """A page to fetch when its result is asked for (no fetch-ahead)."""

    call: Callable[[str], QueryAnswer]
    url: str

    def result(self) -> QueryAnswer:
        return self.call(self.url)


def _later(
    pool: ThreadPoolExecutor | None, call: Callable[[str], QueryAnswer], url: str
) -> Future[QueryAnswer] | _Deferred:
    """The next page: on the wire now (`pool`), or fetched when asked for."""
    return pool.submit(call, url) if pool is not None else _Deferred(call, url)


def all_records(pages: QueryPages, soql: str) -> Iterator[dict[str, Any]]:
    """Every record a query answers, following `nextRecordsUrl`."""
    answer = pages.first(soql)
    while True:
        yield from answer.get("records") or []
        if answer.get("done", True) or not answer.get("nextRecordsUrl"):
            return
        answer = pages.more(str(answer["nextRecordsUrl"]))


class SdkQueryPages:
    """REST query pages through simple-salesforce on the shared `requests.Session`."""

    def __init__(self, org: OrgSession, page_size: int) -> None:
        self.org = org
        self.headers = {"Sforce-Query-Options": f"batchSize={page_size}"}

    def first(self, soql: str) -> QueryAnswer:
        """`GET /queryAll/?q=soql`."""
        timeout = self.org.retry.timeout
        return self.org.call(
            "queryAll", lambda sf: sf.query(soql, include_deleted=True, headers=self.headers, timeout=timeout)
        )

    def more(self, next_records_url: str) -> QueryAnswer:
        """`GET nextRecordsUrl`."""
        timeout = self.org.retry.timeout
        return self.org.call(
            "queryAll (next page)",
            lambda sf: sf.query_more(next_records_url, identifier_is_url=True, headers=self.headers, timeout=timeout),
        )
