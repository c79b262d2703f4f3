"""The compact columnar store: one typed array per field, rows addressed by index, ids derived from a counter.

A 1,000,000-account org must fit in memory, so nothing here keeps a dict per record: numbers, dates and
references live in `array`s, picklists as one-byte codes, and fields that follow from other fields (a history
row's probability, a line item's name) are computed when read, with writes kept as overrides.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from sandbox.salesforce.ids import make_id, row_index
from sandbox.salesforce.schema import FieldDef, ObjectDef

INT_NULL: Final = -(2**63)
DATE_NULL: Final = -(2**31)
ABSENT: Final = 0  # hard-deleted: gone even for queryAll
LIVE: Final = 1
DELETED: Final = 2  # soft-deleted: in the recycle bin, visible to queryAll
_TYPECODES: Final = {"float": "d", "int": "q", "datetime": "q", "date": "i", "ref": "i"}


class Column:
    """Values of one field for every row; `None` is null. Dates are epoch days, datetimes epoch ms."""

    __slots__ = ("data", "kind", "null")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.null: Any = {"float": math.nan, "int": INT_NULL, "datetime": INT_NULL, "date": DATE_NULL}.get(kind, -1)
        self.data: Any = [] if kind == "str" else bytearray() if kind == "bool" else array(_TYPECODES[kind])

    def get(self, row: int) -> Any:
        value = self.data[row]
        kind = self.kind
        if kind == "str":
            return value
        if kind == "bool":
            return value == 1
        if kind == "float":
            return None if value != value else value
        return None if value == self.null else value

    def values(self, rows: Sequence[int]) -> list[Any]:
        """`get` for many rows at once (a page): one comprehension instead of a call per cell."""
        data, kind = self.data, self.kind
        if kind == "str":
            return [data[r] for r in rows]
        if kind == "bool":
            return [data[r] == 1 for r in rows]
        if kind == "float":
            return [None if (v := data[r]) != v else v for r in rows]
        null = self.null
        return [None if (v := data[r]) == null else v for r in rows]

    def encode(self, value: Any) -> Any:
        if self.kind == "str":
            return value
        if self.kind == "bool":
            return 1 if value else 0
        if value is None:
            return self.null
        return float(value) if self.kind == "float" else int(value)

    def set(self, row: int, value: Any) -> None:
        self.data[row] = self.encode(value)

    def append(self, value: Any) -> None:
        self.data.append(self.encode(value))

    def grow(self, rows: int) -> None:
        """Pad with nulls up to `rows` rows (a field created after the rows were)."""
        missing = rows - len(self.data)
        if missing > 0:
            pad = self.encode(None)
            if self.kind == "str":
                self.data.extend([None] * missing)
            elif self.kind == "bool":
                self.data.extend(bytes(missing))
            else:
                self.data.extend(array(self.data.typecode, [pad]) * missing)


class EnumColumn(Column):
    """A picklist stored as one-byte codes into a list of the values seen."""

    __slots__ = ("codes", "values_seen")

    def __init__(self) -> None:
        super().__init__("bool")
        self.data = bytearray()
        self.values_seen: list[str | None] = [None]
        self.codes: dict[str | None, int] = {None: 0}

    def get(self, row: int) -> Any:
        return self.values_seen[self.data[row]]

    def values(self, rows: Sequence[int]) -> list[Any]:
        names, data = self.values_seen, self.data
        return [names[data[r]] for r in rows]

    def encode(self, value: Any) -> Any:
        code = self.codes.get(value)
        if code is None:
            if len(self.values_seen) == 256:
                raise OverflowError("more than 255 distinct picklist values")
            code = self.codes[value] = len(self.values_seen)
            self.values_seen.append(value)
        return code


class DerivedColumn(Column):
    """A field computed from other fields of the row; a write is kept as an override of that row."""

    __slots__ = ("compute", "overrides")

    def __init__(self, compute: Callable[[int], Any]) -> None:
        super().__init__("str")
        self.compute = compute
        self.overrides: dict[int, Any] = {}

    def get(self, row: int) -> Any:
        overrides = self.overrides
        return overrides[row] if row in overrides else self.compute(row)

    def set(self, row: int, value: Any) -> None:
        self.overrides[row] = value

    def values(self, rows: Sequence[int]) -> list[Any]:
        get = self.get
        return [get(r) for r in rows]

    def append(self, value: Any) -> None:
        return None

    def grow(self, rows: int) -> None:
        return None


class AliasColumn(Column):
    """A field that always holds the same value as another (LastModifiedDate and SystemModstamp)."""

    __slots__ = ("target",)

    def __init__(self, target: Column) -> None:
        super().__init__("str")
        self.target = target

    def get(self, row: int) -> Any:
        return self.target.get(row)

    def values(self, rows: Sequence[int]) -> list[Any]:
        return self.target.values(rows)

    def set(self, row: int, value: Any) -> None:
        return None  # the target is written in the same call

    def append(self, value: Any) -> None:
        return None

    def grow(self, rows: int) -> None:
        return None


class NoValue:
    """The value of a field nothing has filled in yet: null (a picklable stand-in for `lambda row: None`)."""

    def __call__(self, row: int) -> Any:
        return None


def column_for(definition: FieldDef) -> Column:
    if definition.storage == "compound" or definition.sparse:  # compounds are rebuilt from their components
        return DerivedColumn(NoValue())
    return EnumColumn() if definition.type == "picklist" else Column(definition.storage)


class Table:
    """All rows of one sObject type. Row `i` has id `make_id(prefix, counter(i))`; `state` says live/deleted.

    World-built tables keep the world's indexes as id counters (sorted, so an id finds its row by bisection);
    other tables use the row index itself.
    """

    def __init__(self, definition: ObjectDef, world_counters: bool = False) -> None:
        self.definition = definition
        self.prefix = definition.prefix
        self.columns: dict[str, Column] = {}
        self.state = bytearray()
        self.counters: array[int] | None = array("q") if world_counters else None
        self.next_counter = 0
        self.deleted_at: dict[int, int] = {}  # row -> epoch ms of the soft delete
        self.watchers: dict[str, ChildIndex] = {}
        self.version = 0  # bumped by every write: sorted indexes built at an older version are stale
        self._sorted: dict[str, tuple[int, list[int], array[int]]] = {}
        self._layout: tuple[list[tuple[str, Column]], list[tuple[str, Column]]] | None = None
        for field_def in definition.all_fields():
            self.add_column(field_def)

    def add_column(self, field_def: FieldDef, column: Column | None = None) -> None:
        if field_def.storage == "id" or field_def.name == "IsDeleted":
            return
        column = column or column_for(field_def)
        column.grow(len(self.state))
        self.replace_column(field_def.name, column)

    def replace_column(self, name: str, column: Column) -> None:
        self.columns[name] = column
        self._layout = None

    def layout(self) -> tuple[list[tuple[str, Column]], list[tuple[str, Column]]]:
        """(stored columns, derived columns) in field order; alias columns need nothing on append."""
        layout = self._layout
        if layout is None:
            stored = [(n, c) for n, c in self.columns.items() if not isinstance(c, DerivedColumn | AliasColumn)]
            derived: list[tuple[str, Column]] = [
                (n, c) for n, c in self.columns.items() if isinstance(c, DerivedColumn)
            ]
            layout = self._layout = (stored, derived)
        return layout

    def __len__(self) -> int:
        return len(self.state)

    def append(self, values: dict[str, Any], counter: int | None = None, state: int = LIVE) -> int:
        """Add a row; fields missing from `values` are null. Returns the row index."""
        row = len(self.state)
        self.version += 1
        if self.counters is not None:
            counter = max(self.next_counter, counter if counter is not None else 0)
            self.counters.append(counter)
            self.next_counter = counter + 1
        self.state.append(state)
        stored, derived = self.layout()
        get = values.get
        for name, column in stored:
            column.append(get(name))
        for name, column in derived:
            value = get(name)
            if value is not None:
                column.set(row, value)
        for name, watcher in self.watchers.items():
            watcher.note(row, get(name))
        return row

    def row_for_counter(self, counter: int) -> int | None:
        """The row whose id counter is `counter` (world tables: the world's index)."""
        if self.counters is None:
            return counter if 0 <= counter < len(self.state) else None
        row = bisect_left(self.counters, counter)
        return row if row < len(self.counters) and self.counters[row] == counter else None

    def id_of(self, row: int) -> str:
        return make_id(self.prefix, row if self.counters is None else self.counters[row])

    def row_of(self, record_id: str) -> int | None:
        """The row an (18-character, canonical) id names, or None when it names no row of this table."""
        counter = row_index(self.prefix, record_id)
        row = None if counter is None else self.row_for_counter(counter)
        return row if row is not None and self.state[row] != ABSENT else None

    def get(self, row: int, name: str) -> Any:
        if name == "Id":
            return self.id_of(row)
        if name == "IsDeleted":
            return self.state[row] == DELETED
        return self.columns[name].get(row)

    def set(self, row: int, name: str, value: Any) -> None:
        self.version += 1
        self.columns[name].set(row, value)
        watcher = self.watchers.get(name)
        if watcher is not None:
            watcher.note(row, value)

    def live(self, row: int) -> bool:
        return 0 <= row < len(self.state) and self.state[row] == LIVE

    def rows(self, include_deleted: bool) -> Iterator[int]:
        """Row indexes in id order: live ones, and soft-deleted ones too when asked."""
        state = self.state
        if include_deleted:
            return (i for i in range(len(state)) if state[i])
        return (i for i in range(len(state)) if state[i] == LIVE)

    def sorted_index(self, name: str) -> tuple[list[int], array[int]]:
        """(values, rows) of the column's non-null values in ascending order, rebuilt after any write: what
        Salesforce's index on a standard indexed field (SystemModstamp, CreatedDate) lets a range filter use."""
        cached = self._sorted.get(name)
        if cached is not None and cached[0] == self.version:
            return cached[1], cached[2]
        get = self.columns[name].get
        pairs = sorted((v, r) for r in range(len(self.state)) if (v := get(r)) is not None)
        values, rows = [v for v, _ in pairs], array("i", (r for _, r in pairs))
        self._sorted[name] = (self.version, values, rows)
        return values, rows

    def count(self, include_deleted: bool) -> int:
        total = len(self.state) - self.state.count(ABSENT)
        return total if include_deleted else total - self.state.count(DELETED)


class ChildIndex:
    """Finds the child rows pointing at a parent row (an account's opportunities, an opportunity's history).

    The world is built in parent order, so the reference column starts out sorted: a frozen copy of it
    answers by bisection, and rows added or re-pointed later are kept in a small dict.
    """

    def __init__(self, child: Table, column: str) -> None:
        self.child = child
        self.column = child.columns[column]
        data = self.column.data
        self.frozen = array("i", data) if all(data[i] <= data[i + 1] for i in range(len(data) - 1)) else array("i")
        self.extra: dict[int, set[int]] = {}
        if not self.frozen:
            for row in range(len(data)):
                self.note(row, self.column.get(row))
        child.watchers[column] = self

    def note(self, row: int, parent: Any) -> None:
        if parent is not None:
            self.extra.setdefault(parent, set()).add(row)

    def children(self, parent: int) -> list[int]:
        lo, hi = bisect_left(self.frozen, parent), bisect_right(self.frozen, parent)
        candidates = [*range(lo, hi), *sorted(self.extra.get(parent, ()))]
        get = self.column.get
        return [row for row in dict.fromkeys(candidates) if get(row) == parent]
