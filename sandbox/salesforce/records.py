"""Rows to wire records: REST JSON (attributes, nested relationships) and Bulk 2.0 CSV.

Pages are built column by column (one comprehension per field over the page's rows, then one `zip` into
records), which keeps REST paging well above 50,000 records a second in CPython.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.binding import Path
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.store import DELETED, Table
from sandbox.salesforce.values import csv_value, datetime_text, day_text

Getter = Callable[[int], Any]


def leaf_values(
    table: Table, definition: FieldDef, tables: Mapping[str, Table], rows: Sequence[int], *, csv: bool = False
) -> list[Any]:
    """The field's values for `rows` as the wire carries them (ids as strings, dates formatted)."""
    name, kind = definition.name, definition.storage
    if kind == "id":
        id_of = table.id_of
        return [id_of(r) for r in rows]
    if name == "IsDeleted":
        state = table.state
        flags = [state[r] == DELETED for r in rows]
        return [("true" if f else "false") for f in flags] if csv else flags
    raw = table.columns[name].values(rows)
    if kind == "ref":  # few distinct targets per page (owners, a parent): make each id once
        id_of = tables[definition.reference_to[0].lower()].id_of
        made = {v: id_of(v) for v in set(raw) if v is not None}
        return [None if v is None else made[v] for v in raw]
    if kind == "datetime":
        return [None if v is None else datetime_text(v, zulu=csv) for v in raw]
    if kind == "date":
        return [None if v is None else day_text(v) for v in raw]
    if csv and kind in {"bool", "float", "int"}:
        return [csv_value(kind, v) for v in raw]
    return raw


def leaf_getter(table: Table, definition: FieldDef, tables: Mapping[str, Table], *, csv: bool = False) -> Getter:
    """Row -> the field's wire value (for single records)."""
    return lambda row: leaf_values(table, definition, tables, (row,), csv=csv)[0]


@dataclass(slots=True)
class _Node:
    """One object level of a JSON record: its own fields and nested relationship objects, in select order."""

    table: Table
    children: list[tuple[str, FieldDef | _Node, str | None]] = field(default_factory=list)  # name, what, via


class JsonShape:
    """Builds REST records for rows of the queried table, following `select` paths."""

    def __init__(self, table: Table, select: Sequence[Path], tables: Mapping[str, Table], version: str) -> None:
        self.root = _Node(table)
        self.tables = tables
        self.base = f"/services/data/v{version}/sobjects/"
        for path in select:
            self._add(path)

    def _add(self, path: Path) -> None:
        node = self.root
        for depth, (_, target) in enumerate(path.hops):
            name = path.key[depth]
            found = next((c for c in node.children if c[0] == name and isinstance(c[1], _Node)), None)
            if found is None:
                child = _Node(target)
                reference = node.table.definition.relationship(name)
                node.children.append((name, child, reference.name if reference else None))
                node = child
            else:
                node = found[1]  # type: ignore[assignment]
        node.children.append((path.key[-1], path.field, None))

    def record(self, row: int) -> dict[str, Any]:
        return self.records([row])[0]

    def records(self, rows: Sequence[int]) -> list[dict[str, Any]]:
        return self._build(self.root, rows)

    def _build(self, node: _Node, rows: Sequence[int]) -> list[dict[str, Any]]:
        table = node.table
        name = table.definition.name
        prefix = f"{self.base}{name}/"
        ids = [table.id_of(r) for r in rows]
        keys = ["attributes"]
        columns: list[list[Any]] = [[{"type": name, "url": prefix + i} for i in ids]]
        for key, child, via in node.children:
            keys.append(key)
            if isinstance(child, _Node):
                columns.append(self._nested(table, child, str(via), rows))
            elif child.storage == "id":
                columns.append(ids)
            else:
                columns.append(leaf_values(table, child, self.tables, rows))
        return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]

    def _nested(self, table: Table, child: _Node, via: str, rows: Sequence[int]) -> list[Any]:
        state = child.table.state
        targets = table.columns[via].values(rows)
        alive = [t for t in targets if t is not None and state[t]]
        built = iter(self._build(child, alive))
        return [next(built) if t is not None and state[t] else None for t in targets]


def csv_rows(select: Sequence[Path], tables: Mapping[str, Table], rows: Sequence[int]) -> list[tuple[Any, ...]]:
    """The CSV cells (None: empty) of `rows`, one tuple per row, in select order."""
    columns = []
    for path in select:
        if not path.hops:
            columns.append(leaf_values(path.table, path.field, tables, rows, csv=True))
            continue
        targets = [path.target_row(r, len(path.hops)) for r in rows]
        present = [t for t in targets if t is not None]
        values = iter(leaf_values(path.table, path.field, tables, present, csv=True))
        columns.append([None if t is None else next(values) for t in targets])
    return list(zip(*columns, strict=True)) if columns else [() for _ in rows]


def csv_line(cells: Sequence[Any], delimiter: str, newline: str) -> str:
    """Bulk 2.0 style: every non-null cell quoted (quotes doubled), nulls as empty cells."""
    parts = ["" if c is None else '"' + str(c).replace('"', '""') + '"' for c in cells]
    return delimiter.join(parts) + newline
