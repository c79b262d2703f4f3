"""How a stream's records spread over time, asked of the org by aggregate queries: the weights of balanced slices.

The API facts this relies on (Salesforce SOQL and SOSL Reference, REST API Developer Guide):
- "Date Functions": `CALENDAR_YEAR()`, `CALENDAR_MONTH()`, `DAY_ONLY()` and `HOUR_IN_DAY()` group a dateTime
  field by period, in UTC unless wrapped in `convertTimezone()` (which we never do, so periods are UTC like
  every stamp we compare).
- "Considerations for GROUP BY": a GROUP BY query cannot be continued with a query locator (no
  `nextRecordsUrl`), and at most 2,000 groups come back: above that one narrows the filter. The grain is
  chosen so the window holds at most `MAX_GROUPS` periods.
- "Aggregate Functions" and "Support for Field Types in Aggregate Functions": `COUNT()`, `MIN()` and `MAX()`
  take dateTime fields, so each period also says its first and last stamp: a burst of edits inside one hour
  is cut where it lies, not across the whole hour.
- "QueryAll" / `queryAll()`: the same as query but deleted rows included, as the stream's own read includes them.

The window is asked in tiers, side by side (one round trip): its last 80 days by hour, the 1,900 days before
by day, anything older by month. A month or day still holding more than half a slice is asked again one grain
finer (a second round trip, rare: old bulk loads). Within a period records are taken as spread evenly between
its first and last stamp: the weights only balance the slices, they never decide what a slice holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from connectors.base import Window
from connectors.salesforce.convert import to_datetime
from connectors.salesforce.soql import where_clause

__all__ = ["MAX_GROUPS", "Bucket", "Grain", "buckets_of", "histogram", "histogram_query", "tiers"]

Grain = Literal["month", "day", "hour"]
MAX_GROUPS = 2000  # an aggregate query answers at most this many groups (no query locator)
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


Ask = Callable[[list[str]], list[Sequence[Mapping[str, Any]]]]  # aggregate SOQLs -> their records, side by side
HOUR = timedelta(hours=1)
# The 80 days before the window's end by hour (1,920 groups at most), the 1,900 days before those by day, and
# anything older by month: one call each, side by side; recent records, where edits crowd, get the finest.
TIERS: tuple[tuple[Grain, timedelta | None], ...] = (
    ("hour", timedelta(days=80)),
    ("day", timedelta(days=80 + 1900)),
    ("month", None),
)


def tiers(window: Window) -> list[tuple[Window, Grain]]:
    """The window split where its grain changes (newest first); a short window is one tier."""
    found: list[tuple[Window, Grain]] = []
    upper = window.end
    for grain, reach in TIERS:
        lower = None if reach is None else window.end - reach
        if window.start is not None and (lower is None or lower <= window.start):
            lower = window.start
        found.append((Window(lower, upper), grain))
        if lower == window.start:
            break
        assert lower is not None
        upper = lower
    return found


def histogram(ask: Ask, obj: str, cursor: str, window: Window, slices: Callable[[int], int]) -> list[Bucket]:
    """The window's records by period (`tiers`: one call each, side by side); then, once, each month or day
    holding more than half of a slice (`slices(records)` of them) is asked again one grain finer."""
    parts = tiers(window)
    answers = ask([histogram_query(obj, cursor, part, grain) for part, grain in parts])
    found = sorted(b for (_, grain), rows in zip(parts, answers, strict=True) for b in buckets_of(rows, grain))
    total = sum(b.count for b in found)
    n = slices(total)
    heavy = [b for b in found if b.end - b.start > HOUR and b.count * 2 * n > total] if n > 1 else []
    if not heavy:
        return found
    finer: list[tuple[Window, Grain]] = [(_inside(b, window), "hour" if b.end - b.start <= _PERIOD["day"] else "day")
                                         for b in heavy]  # fmt: skip
    answers = ask([histogram_query(obj, cursor, part, grain) for part, grain in finer])
    fine = [b for (_, grain), rows in zip(finer, answers, strict=True) for b in buckets_of(rows, grain)]
    return sorted([*(b for b in found if b not in heavy), *fine])


def _inside(bucket: Bucket, window: Window) -> Window:
    """The period as a window `start < stamp <= end`, inside `window` (to the millisecond, as SOQL compares)."""
    ms = timedelta(milliseconds=1)
    low = bucket.start - ms
    return Window(low if window.start is None else max(low, window.start), min(bucket.end - ms, window.end))
