"""The plan of an incremental read: search segments (a modified-time range x an id range) and how a
saved position turns back into the plan that is left, even when the rerun's window differs.

A segment is read with keyset paging: every page is a fresh search `hs_object_id > last` sorted by
`hs_object_id` ascending, so the 10,000-result ceiling is never reached and a record that leaves the
result set while the read goes on (modified again, hence now past the window) cannot shift an offset and
make the read skip another record.

After every page, the position holds the segments still to read (the current one with its `after_id`
moved to the page's last id). A rerun with another window reads what the saved plan had left, clipped to
the new window, plus every part of the new window the old one did not cover (for all ids).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Position, Window

__all__ = ["Bounds", "Segment", "plan_from", "search_filters", "to_ms", "window_bounds"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Bounds = tuple[int | None, int]


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds (floor) of an instant; naive datetimes are taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(milliseconds=1)


def window_bounds(window: Window) -> Bounds:
    """`(lo, hi)` in ms, both inclusive: `lo <= modified <= hi` is a superset of `start < modified <= end`
    (reading the boundary millisecond again is harmless: the store upserts)."""
    return (None if window.start is None else to_ms(window.start), to_ms(window.end))


@dataclass(frozen=True, slots=True)
class Segment:
    """Records with `lo <= hs_lastmodifieddate <= hi` and `after_id < hs_object_id <= upto_id`."""

    lo: int | None
    hi: int
    after_id: int = 0
    upto_id: int | None = None

    def as_json(self) -> list[int | None]:
        """The JSON form kept in `Position.blob["segments"]`."""
        return [self.lo, self.hi, self.after_id, self.upto_id]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Segment:
        """Read back `as_json`."""
        lo, hi, after_id, upto_id = data
        return cls(lo, int(hi), int(after_id), upto_id)

    def clipped(self, lo: int | None, hi: int) -> Segment | None:
        """This segment inside `[lo, hi]`, or None when nothing is left."""
        new_lo = self.lo if lo is None else lo if self.lo is None else max(self.lo, lo)
        new_hi = min(self.hi, hi)
        if new_lo is not None and new_lo > new_hi:
            return None
        return replace(self, lo=new_lo, hi=new_hi)

    def advanced(self, last_id: int) -> Segment:
        """The rest of the segment after a page ending at `last_id`."""
        return replace(self, after_id=max(self.after_id, last_id))


def search_filters(segment: Segment, cursor: str = "hs_lastmodifieddate") -> list[dict[str, str]]:
    """One filter group's filters (AND) for the segment; values as strings, instants as epoch ms. `cursor` is
    the object's last-modified property (contacts: `lastmodifieddate`)."""
    filters: list[dict[str, str]] = []
    if segment.lo is not None:
        filters.append({"propertyName": cursor, "operator": "GTE", "value": str(segment.lo)})
    filters.append({"propertyName": cursor, "operator": "LTE", "value": str(segment.hi)})
    if segment.after_id > 0:
        filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": str(segment.after_id)})
    if segment.upto_id is not None:
        filters.append({"propertyName": "hs_object_id", "operator": "LTE", "value": str(segment.upto_id)})
    return filters


def _uncovered(new: Bounds, old: Bounds) -> list[Bounds]:
    """Parts of the new window the old one did not cover."""
    (new_lo, new_hi), (old_lo, old_hi) = new, old
    parts: list[Bounds] = []
    if old_lo is not None and (new_lo is None or new_lo < old_lo):
        parts.append((new_lo, min(new_hi, old_lo - 1)))
    if new_hi > old_hi:
        parts.append((old_hi + 1 if new_lo is None else max(new_lo, old_hi + 1), new_hi))
    return [(lo, hi) for lo, hi in parts if lo is None or lo <= hi]


def _saved_window(blob: Mapping[str, Any]) -> Bounds | None:
    saved = blob.get("window")
    if not saved:
        return None
    lo, hi = saved
    return (None if lo is None else int(lo), int(hi))


def plan_from(window: Window, resume: Position | None) -> tuple[list[Segment], bool]:
    """The search segments left to read, and whether the archived listing must start over.

    Without a saved position: the whole window. From a `search` position: its remaining segments
    (clipped) plus the uncovered parts of the new window. From a `deleted` position (search done): only
    the uncovered parts; the archived listing resumes at its cursor only when the window is unchanged.
    """
    bounds = window_bounds(window)
    if resume is None or resume.mode not in ("search", "deleted"):
        return [Segment(*bounds)], True
    old = _saved_window(resume.blob) or bounds
    segments: list[Segment] = []
    if resume.mode == "search":
        saved = resume.blob.get("segments")
        if saved is None:  # a hand-made position: the same window, after `last_id`
            saved = [[old[0], old[1], int(resume.last_id or 0), None]]
        for data in saved:
            clipped = Segment.from_json(data).clipped(*bounds)
            if clipped is not None:
                segments.append(clipped)
    segments += [Segment(lo, hi) for lo, hi in _uncovered(bounds, old)]
    restart_archived = resume.mode == "search" or old != bounds
    return segments, restart_archived
