"""How a stream's records spread over time, asked of the org by aggregate queries: the weights of balanced slices.

The API facts this relies on (Salesforce SOQL and SOSL Reference, REST API Developer Guide):
- "Date Functions": `CALENDAR_YEAR()`, `CALENDAR_MONTH()`, `DAY_ONLY()` and `HOUR_IN_DAY()` group a dateTime
  field by period, in UTC unless wrapped in `convertTimezone()` (which we never do, so periods are UTC like
  every stamp we compare).
- "Considerations for GROUP BY": a GROUP BY query cannot be continued with a query locator (no
  `nextRecordsUrl`), and at most 2,000 groups come back: above that one narrows the filter. The grain is
  chosen so the window holds at most `MAX_GROUPS` periods.
- "Aggregate Functions": `MIN()` and `MAX()` take dateTime fields, so each period also says its first and last
  stamp: a burst of edits inside one hour is cut where it lies, not across the whole hour.
- "QueryAll" / `queryAll()`: the same as query but deleted rows included, as the stream's own read includes them.

A full read starts with months (any org's history fits); a period holding more than half a slice is asked
again one grain finer (months, then days, then hours), at most twice. Within a period records are taken as
spread evenly: the weights only balance the slices, they never decide what a slice holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from connectors.base import Window
from connectors.salesforce.convert import to_datetime
from connectors.salesforce.soql import where_clause

__all__ = ["MAX_GROUPS", "Bucket", "Grain", "buckets_of", "grain_for", "histogram", "histogram_query"]

Grain = Literal["month", "day", "hour"]
GRAINS: tuple[Grain, ...] = ("month", "day", "hour")
MAX_GROUPS = 2000
_PERIOD = {"month": timedelta(days=31), "day": timedelta(days=1), "hour": timedelta(hours=1)}
_KEYS: Mapping[Grain, tuple[str, ...]] = {
    "month": ("CALENDAR_YEAR({c}) y", "CALENDAR_MONTH({c}) m"),
    "day": ("DAY_ONLY({c}) d",),
    "hour": ("DAY_ONLY({c}) d", "HOUR_IN_DAY({c}) h"),
}


@dataclass(frozen=True, slots=True, order=True)
class Bucket:
    """`count` records stamped in `[start, end)` (one period, UTC), the first at `first`, the last at `last`
    (None: anywhere in the period)."""

    start: datetime
    end: datetime
    count: int
    first: datetime | None = None
    last: datetime | None = None

    def spread(self) -> tuple[datetime, datetime]:
        """Where the records lie: `[first, last + 1 ms)`, else the whole period."""
        if self.first is None or self.last is None:
            return self.start, self.end
        return self.first, self.last + timedelta(milliseconds=1)


def grain_for(span: timedelta) -> Grain | None:
    """The finest grain at which `span` holds fewer than `MAX_GROUPS` periods (None: not even months)."""
    for grain in reversed(GRAINS):
        if span < _PERIOD[grain] * (MAX_GROUPS - 2):
            return grain
    return None


def histogram_query(obj: str, cursor: str, window: Window, grain: Grain) -> str:
    """`SELECT <periods>, COUNT(Id) n, MIN(cursor) lo, MAX(cursor) hi FROM obj WHERE <window> GROUP BY <periods>`."""
    keys = [key.format(c=cursor) for key in _KEYS[grain]]
    groups = ", ".join(key.rsplit(" ", 1)[0] for key in keys)
    counts = f"COUNT(Id) n, MIN({cursor}) lo, MAX({cursor}) hi"
    return f"SELECT {', '.join(keys)}, {counts} FROM {obj}{where_clause(cursor, window)} GROUP BY {groups}"


def buckets_of(records: Sequence[Mapping[str, Any]], grain: Grain) -> list[Bucket]:
    """The AggregateResult rows as periods, in time order."""
    found = []
    for row in records:
        if grain == "month":
            start = datetime(int(row["y"]), int(row["m"]), 1, tzinfo=UTC)
            end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        else:
            day = date.fromisoformat(str(row["d"]))
            start = datetime(day.year, day.month, day.day, int(row.get("h") or 0), tzinfo=UTC)
            end = start + _PERIOD[grain]
        first, last = (to_datetime(row[k]) if row.get(k) else None for k in ("lo", "hi"))
        found.append(Bucket(start, end, int(row["n"]), first, last))
    return sorted(found)


Ask = Callable[[str], Sequence[Mapping[str, Any]]]  # an aggregate SOQL -> its records (queryAll)


def histogram(ask: Ask, obj: str, cursor: str, window: Window, slices: Callable[[int], int]) -> list[Bucket]:
    """The window's records by period: months for a full read, else the finest grain the window allows; a
    period holding more than half of a slice (`slices(records)` of them) is asked again one grain finer."""
    grain = "month" if window.start is None else grain_for(window.end - window.start)
    if grain is None:
        return []
    found = buckets_of(ask(histogram_query(obj, cursor, window, grain)), grain)
    for finer in GRAINS[GRAINS.index(grain) + 1 :]:
        total = sum(b.count for b in found)
        heavy = [b for b in found if b.count * 2 * slices(total) > total]
        if not heavy or slices(total) <= 1:
            break
        low, high = _span(heavy, window)
        allowed = grain_for(high - low)
        if allowed is None or GRAINS.index(allowed) < GRAINS.index(finer):
            break
        fine = buckets_of(ask(histogram_query(obj, cursor, Window(low, high), finer)), finer)
        found = sorted([*(b for b in found if b.end <= heavy[0].start or b.start >= heavy[-1].end), *fine])
    return found


def _span(heavy: list[Bucket], window: Window) -> tuple[datetime, datetime]:
    """The bounds `low < stamp <= high` of the periods from the first heavy one to the last, inside the window
    (to the millisecond, as SOQL compares)."""
    ms = timedelta(milliseconds=1)
    low = heavy[0].start - ms
    return (low if window.start is None else max(low, window.start)), min(heavy[-1].end - ms, window.end)
