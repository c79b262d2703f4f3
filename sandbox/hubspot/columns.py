"""Typed columns for property values: compact arrays instead of a dict per record."""

from __future__ import annotations

from array import array
from typing import Final

__all__ = ["NULL_MS", "Column", "SparseValues", "column_kind"]

NULL_MS: Final = -(2**63)
_BOOL: Final = {0: None, 1: "false", 2: "true"}


def column_kind(property_type: str) -> str:
    """How values of a HubSpot property type are kept: `ms` for instants, `bool`, else `str`."""
    if property_type in ("datetime", "date"):
        return "ms"
    if property_type == "bool":
        return "bool"
    return "str"


class SparseValues(list):  # type: ignore[type-arg]
    """A text column that is null on nearly every row (a default property nothing filled): only set cells are
    kept, so a million records cost nothing until someone writes the property. Reads like a list of rows."""

    def __init__(self, rows: int = 0, cells: dict[int, str] | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.cells: dict[int, str] = cells or {}

    def __reduce__(self) -> tuple[object, tuple[int, dict[int, str]]]:
        return SparseValues, (self.rows, self.cells)

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, row: int) -> str | None:  # type: ignore[override]
        return self.cells.get(row)

    def __setitem__(self, row: int, value: str | None) -> None:  # type: ignore[override]
        if value is None:
            self.cells.pop(row, None)
        else:
            self.cells[row] = value

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self.cells.get(r) for r in range(self.rows))

    def append(self, value: str | None) -> None:
        if value is not None:
            self.cells[self.rows] = value
        self.rows += 1

    def extend(self, values: object) -> None:
        for value in values:  # type: ignore[attr-defined]
            self.append(value)


class Column:
    """One property's values for every row; `get` answers `str` (or `int` ms for instants) or None."""

    __slots__ = ("data", "kind", "null")

    def __init__(self, kind: str, rows: int = 0, *, sparse: bool = False) -> None:
        self.kind = kind
        self.null: str | int | None = {"ms": NULL_MS, "bool": 0}.get(kind)
        self.data: list[str | None] | array[int] | bytearray
        if sparse and kind == "str":
            self.data = SparseValues(rows)
        elif kind == "ms":
            self.data = array("q", [NULL_MS]) * rows
        elif kind == "bool":
            self.data = bytearray(rows)
        else:
            self.data = [None] * rows

    def grow(self, rows: int) -> None:
        missing = rows - len(self.data)
        if missing <= 0:
            return
        if isinstance(self.data, array):
            self.data.extend(array("q", [NULL_MS]) * missing)
        elif isinstance(self.data, bytearray):
            self.data.extend(bytes(missing))
        else:
            self.data.extend([None] * missing)

    def append(self, value: str | int | None) -> None:
        data = self.data
        if isinstance(data, array):
            data.append(NULL_MS if value is None else int(value))
        elif isinstance(data, bytearray):
            data.append(0 if value is None else (2 if value == "true" else 1))
        else:
            data.append(None if value is None else str(value))

    def get(self, row: int) -> str | int | None:
        data = self.data
        if isinstance(data, array):
            value = data[row]
            return None if value == NULL_MS else value
        if isinstance(data, bytearray):
            return _BOOL[data[row]]
        return data[row]

    def set(self, row: int, value: str | int | None) -> None:
        data = self.data
        if isinstance(data, array):
            data[row] = NULL_MS if value is None else int(value)
        elif isinstance(data, bytearray):
            data[row] = 0 if value is None else (2 if value == "true" else 1)
        else:
            data[row] = None if value is None else str(value)
