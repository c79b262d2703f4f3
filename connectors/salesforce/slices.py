"""Concurrent REST reads of one stream: its window cut into consecutive SystemModstamp slices.

The cut is balanced by record count (`balanced_cut`, from the org's histogram of the window, histogram.py):
each slice holds about as many records as the others, so the slices end together. Each slice is a window of
its own (`start < stamp <= end`, the same bounds every read uses), so the slices partition the stream's
window exactly and each is read in `(stamp, Id)` order with positions of its own: ties stay inside one slice,
and a slice resumes after its last committed record. Pages are fetched through the connector's
`InFlightGate`, so the calls in flight never pass what the org's quota and the job's share allow.
"""

from __future__ import annotations

import math
from datetime import datetime

from connectors.base import Window
from connectors.inflight import InFlightGate, budget_headroom
from connectors.salesforce.histogram import Bucket
from connectors.salesforce.limits import ApiMeter
from connectors.salesforce.reader import QueryAnswer, QueryPages

__all__ = ["MAX_SLICES", "GatedPages", "balanced_cut", "headroom", "slice_count"]


def headroom(meter: ApiMeter) -> int | None:
    """Calls still allowed: the job's share of the daily quota left and the org's quota left, as the last
    `Sforce-Limit-Info` said (None: nothing known yet)."""
    quota = meter.quota()
    org_left = None if quota.used is None or quota.limit is None else quota.limit - quota.used
    budget = meter.budget
    if budget is None:
        return budget_headroom(None, 0, org_left)
    return budget_headroom(budget.allowed(), budget.earlier + budget.calls, org_left)


# Each slice holds a query cursor open between its pages. The SOAP API Developer Guide's "QueryLocator" page
# allows a user 10 open cursors, the oldest released past that (INVALID_QUERY_LOCATOR when it is used again);
# the App Limits Cheatsheet's "API Query Cursor Limits" says API 56.0 lifted the limit. Orgs and tools that
# keep the older rule exist (our sandbox is one), so slices stay under it, two cursors left for other reads.
MAX_SLICES = 8


def slice_count(records: int, page_size: int, ceiling: int) -> int:
    """How many slices: one per page of the window at most, never above the in-flight ceiling nor
    `MAX_SLICES` (open query cursors)."""
    return max(1, min(ceiling, MAX_SLICES, math.ceil(records / max(1, page_size))))


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def balanced_cut(window: Window, buckets: list[Bucket], n: int) -> list[Window]:
    """At most `n` consecutive windows covering `window` exactly, each holding about `1/n` of the records the
    histogram `buckets` counts (records taken as spread evenly between a period's first and last stamp; edges
    to the millisecond).

    The first slice keeps the window's own start (None for a full read), the last its end, whatever the
    histogram says: its counts only place the inner edges. Edges that would fall together are merged.
    """
    total = sum(b.count for b in buckets)
    edges: list[datetime] = []
    before, k = 0, 1
    for bucket in sorted(b for b in buckets if b.count > 0):
        first, after = bucket.spread()
        start = first if window.start is None else max(first, window.start)
        end = min(after, window.end)
        while k < n and before + bucket.count >= total * k / n and end > start:
            edge = _ms(start + (end - start) * ((total * k / n - before) / bucket.count))
            low = edges[-1] if edges else window.start
            if (low is None or edge > low) and edge < window.end:
                edges.append(edge)
            k += 1
        before += bucket.count
    starts: list[datetime | None] = [window.start, *edges]
    return [Window(start, end) for start, end in zip(starts, [*edges, window.end], strict=True)]


class GatedPages:
    """Query pages whose every call holds a slot of the gate (the first page and each `nextRecordsUrl`)."""

    def __init__(self, pages: QueryPages, gate: InFlightGate) -> None:
        self.pages = pages
        self.gate = gate

    def first(self, soql: str) -> QueryAnswer:
        """`GET /queryAll/?q=soql` in a slot."""
        with self.gate.slot():
            return self.pages.first(soql)

    def more(self, next_records_url: str) -> QueryAnswer:
        """`GET nextRecordsUrl` in a slot."""
        with self.gate.slot():
            return self.pages.more(next_records_url)
