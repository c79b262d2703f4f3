"""The records of one object type: columnar, ordered by id, with a last-modified index for search."""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

from sandbox.hubspot.columns import NULL_MS, Column, column_kind
from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.properties import PropertySchema
from sandbox.hubspot.timestamps import iso_property, ms_to_datetime

__all__ = ["ARCHIVED", "LIVE", "MERGED", "ROW_BITS", "ROW_MASK", "HistoryEntry", "ObjectStore", "Source"]

LIVE: Final = 1
ARCHIVED: Final = 2
MERGED: Final = 3  # merged away into another record: resolves to the survivor, never listed
PURGED: Final = 4  # archived more than 90 days ago: gone for good
ROW_BITS: Final = 22
ROW_MASK: Final = (1 << ROW_BITS) - 1
RETENTION_MS: Final = 90 * 86_400_000
_BOOL_TEXT: Final = (None, "false", "true")


class Source(NamedTuple):
    """Who wrote a value: `CRM_UI` (a user), `INTEGRATION` (our private app), `CALCULATED`..."""

    type: str
    id: str | None = None
    user_id: int | None = None


class HistoryEntry(NamedTuple):
    value: str | int | None
    timestamp: int
    source: Source


class ObjectStore:
    """Rows in ascending id order; row `r` has id `ids[r]`, `state[r]`, stamps and one cell per column."""

    def __init__(self, object_type: str, schema: PropertySchema, modified_name: str) -> None:
        self.object_type = object_type
        self.schema = schema
        self.modified_name = modified_name  # hs_lastmodifieddate (lastmodifieddate for contacts)
        self.ids: array[int] = array("q")
        self.state = bytearray()
        self.created: array[int] = array("q")
        self.updated: array[int] = array("q")
        self.archived_at: dict[int, int] = {}
        self.columns: dict[str, Column] = {}
        self.merged_into: dict[int, int] = {}  # victim id -> survivor id
        self.history: dict[int, dict[str, list[HistoryEntry]]] = {}  # row -> property -> oldest first
        # Histories not kept in memory (the world's stage histories), by object id; {} when none.
        self.seed_history: Callable[[int], dict[str, list[HistoryEntry]]] | None = None
        self.mod_index: array[int] = array("q")  # (updated << 22 | row) of LIVE rows, ascending
        self.live_count = 0
        self.version = 0
        for prop in schema.all():
            self.ensure_column(prop.name, prop.type, sparse=prop.sparse)

    # ---- structure -------------------------------------------------------------------------------
    def ensure_column(self, name: str, property_type: str, *, sparse: bool = False) -> Column:
        if name in ("hs_object_id", "createdate", self.modified_name):
            return Column("str")  # virtual: read from ids / created / updated
        column = self.columns.get(name)
        if column is None:
            column = Column(column_kind(property_type), len(self.ids), sparse=sparse)
            self.columns[name] = column
        return column

    def append(
        self, object_id: int, created: int, updated: int, values: dict[str, str | int | None], *, bulk: bool = False
    ) -> int:
        """Add a LIVE row (ids must ascend); `values` are stored values keyed by property name.

        With `bulk`, the last-modified index is left for `rebuild_index()` (seeding appends many rows).
        """
        if self.ids and object_id <= self.ids[-1]:
            raise HubSpotError(f"ids must ascend: {object_id} after {self.ids[-1]}")
        row = len(self.ids)
        if row > ROW_MASK:
            raise HubSpotError("more rows than the last-modified index can address")
        self.ids.append(object_id)
        self.state.append(LIVE)
        self.created.append(created)
        self.updated.append(updated)
        get = values.get
        for name, column in self.columns.items():
            value = get(name)
            if value is None:
                column.data.append(column.null)  # type: ignore[arg-type]
            else:
                column.append(value)
        if not bulk:
            insort(self.mod_index, updated << ROW_BITS | row)
        self.live_count += 1
        self.version += 1
        return row

    def rebuild_index(self) -> None:
        """The last-modified index of every LIVE row, sorted once."""
        keys = [self.updated[r] << ROW_BITS | r for r in range(len(self.ids)) if self.state[r] == LIVE]
        keys.sort()
        self.mod_index = array("q", keys)

    def next_id(self, base: int) -> int:
        return self.ids[-1] + 1 if self.ids else base

    # ---- lookup ----------------------------------------------------------------------------------
    def row_of(self, object_id: int) -> int | None:
        row = bisect_left(self.ids, object_id)
        return row if row < len(self.ids) and self.ids[row] == object_id else None

    def resolve(self, object_id: int) -> int | None:
        """The row answering for `object_id`: merged-away ids lead to their survivor."""
        seen = 0
        while object_id in self.merged_into and seen < 64:
            object_id, seen = self.merged_into[object_id], seen + 1
        row = self.row_of(object_id)
        if row is None or self.state[row] in (MERGED, PURGED):
            return None
        return row

    def is_live(self, row: int) -> bool:
        return self.state[row] == LIVE

    def live_rows_from(self, start_row: int) -> Iterator[int]:
        state = self.state
        for row in range(start_row, len(state)):
            if state[row] == LIVE:
                yield row

    def archived_rows_from(self, start_row: int, now_ms: int) -> Iterator[int]:
        for row in range(start_row, len(self.state)):
            if self.state[row] == ARCHIVED and not self._expired(row, now_ms):
                yield row

    def expired(self, row: int, now_ms: int) -> bool:
        """An archived row past HubSpot's 90-day retention is gone (and marked so)."""
        return self.state[row] == ARCHIVED and self._expired(row, now_ms)

    def _expired(self, row: int, now_ms: int) -> bool:
        if now_ms - self.archived_at.get(row, now_ms) > RETENTION_MS:
            self.state[row] = PURGED
            return True
        return False

    def modified_rows(self, lo: int | None, hi: int | None) -> list[int]:
        """LIVE rows with lo <= modified <= hi (ms, inclusive), in (modified, id) order."""
        start = 0 if lo is None else bisect_left(self.mod_index, lo << ROW_BITS)
        stop = len(self.mod_index) if hi is None else bisect_left(self.mod_index, (hi + 1) << ROW_BITS)
        return [key & ROW_MASK for key in self.mod_index[start:stop]]

    # ---- values ----------------------------------------------------------------------------------
    def raw(self, row: int, name: str) -> str | int | None:
        """The stored value: instants as epoch ms, everything else as HubSpot's string."""
        if name == "hs_object_id":
            return str(self.ids[row])
        if name == "createdate":
            return self.created[row]
        if name == self.modified_name:
            return self.updated[row]
        column = self.columns.get(name)
        return None if column is None else column.get(row)

    def value(self, row: int, name: str) -> str | None:
        """The value as the API writes it (a string or null)."""
        raw = self.raw(row, name)
        if raw is None or isinstance(raw, str):
            return raw
        return self.render(name, raw)

    def fetcher(self, name: str) -> Callable[[int], str | None] | None:
        """A fast `row -> API value` reader for one stored property (None for the virtual three)."""
        if name in ("hs_object_id", "createdate", self.modified_name):
            return None
        column = self.columns.get(name)
        if column is None:
            return lambda row: None
        data = column.data
        if isinstance(data, list):
            return data.__getitem__
        if isinstance(data, bytearray):
            return lambda row: _BOOL_TEXT[data[row]]
        prop = self.schema.get(name)
        render = (lambda ms: self.render(name, ms)) if prop is not None and prop.type == "date" else iso_property
        return lambda row: None if (v := data[row]) == NULL_MS else render(v)

    def render(self, name: str, instant: int) -> str:
        """An instant as a property value: `2026-01-01` for dates, ISO-8601 UTC for datetimes."""
        prop = self.schema.get(name)
        if prop is not None and prop.type == "date":
            return ms_to_datetime(instant).date().isoformat()
        return iso_property(instant)

    def write(self, row: int, changes: dict[str, str | int | None], stamp: int, source: Source) -> bool:
        """Apply stored values; True when anything changed (then the row's modified stamp moves)."""
        changed = False
        for name, new in changes.items():
            old = self.raw(row, name)
            if old == new:
                continue
            self._remember(row, name, old, new, stamp, source)
            self.columns[name].set(row, new)
            changed = True
        if changed:
            self.touch(row, stamp)
        return changed

    def _remember(self, row: int, name: str, old: str | int | None, new: str | int | None, stamp: int,
                  source: Source) -> None:  # fmt: skip
        per_row = self.history.get(row)
        if per_row is None:
            per_row = self.seed_history(self.ids[row]) if self.seed_history else {}
            self.history[row] = per_row
        entries = per_row.get(name)
        if entries is None:
            entries = [HistoryEntry(old, self.created[row], Source("CRM_UI"))] if old is not None else []
            per_row[name] = entries
        entries.append(HistoryEntry(new, stamp, source))

    def history_of(self, row: int, name: str) -> list[HistoryEntry]:
        """Every value the property had, oldest first (a never-changed value has one entry)."""
        per_row = self.history.get(row)
        if per_row is None and self.seed_history is not None:
            per_row = self.seed_history(self.ids[row])
        if per_row and name in per_row:
            return per_row[name]
        current = self.raw(row, name)
        return [] if current is None else [HistoryEntry(current, self.created[row], Source("CRM_UI"))]

    def touch(self, row: int, stamp: int) -> None:
        """Set the modified stamp (moves the row in the last-modified index)."""
        if self.state[row] == LIVE:
            self._unindex(row)
            insort(self.mod_index, stamp << ROW_BITS | row)
        self.updated[row] = stamp
        self.version += 1

    def _unindex(self, row: int) -> None:
        key = self.updated[row] << ROW_BITS | row
        at = bisect_left(self.mod_index, key)
        if at < len(self.mod_index) and self.mod_index[at] == key:
            del self.mod_index[at]

    # ---- lifecycle -------------------------------------------------------------------------------
    def archive(self, row: int, stamp: int) -> None:
        if self.state[row] != LIVE:
            return
        self._unindex(row)
        self.state[row] = ARCHIVED
        self.archived_at[row] = stamp
        self.updated[row] = stamp
        self.live_count -= 1
        self.version += 1

    def merge_away(self, victim_row: int, survivor_id: int) -> None:
        """The victim leaves every list; its id (and ids merged into it) now resolve to the survivor."""
        victim_id = self.ids[victim_row]
        if self.state[victim_row] == LIVE:
            self._unindex(victim_row)
            self.live_count -= 1
        self.state[victim_row] = MERGED
        self.merged_into[victim_id] = survivor_id
        self.version += 1
