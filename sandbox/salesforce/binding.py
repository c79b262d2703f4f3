"""Binds a parsed SOQL query to the org's tables: field paths, typed literals, Salesforce's INVALID_FIELD errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sandbox.salesforce.dateliterals import RelativeDate
from sandbox.salesforce.errors import QueryError
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.soql import Field, Query, Value
from sandbox.salesforce.store import DELETED, Column, Table
from sandbox.salesforce.values import to_days, to_ms

NO_SUCH_COLUMN: Final = (
    "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
    "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
NO_SUCH_RELATIONSHIP: Final = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
    "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL "
    "or the describe call for the appropriate names."
)
NO_SUCH_TYPE: Final = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append "
    "the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
)
_TYPE_WORD: Final = {
    "float": "double", "int": "int", "bool": "boolean", "date": "date", "datetime": "dateTime", "str": "string",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Path:
    """A field reached from the queried object, possibly through reference fields."""

    key: tuple[str, ...]  # canonical names as output: ("Account", "Name")
    hops: tuple[tuple[Column, Table], ...]  # each reference column and the table it points into
    table: Table
    field: FieldDef

    def value(self, row: int) -> Any:
        """The stored value at the end of the path (None when a reference on the way is null)."""
        for column, table in self.hops:
            row = column.get(row)
            if row is None or not table.state[row]:
                return None
        return self.table.get(row, self.field.name)

    def getter(self) -> Callable[[int], Any]:
        """The fastest row -> stored value function for this path (filters and sorts call it per row)."""
        if self.hops:
            return self.value
        name = self.field.name
        if name == "Id":
            return self.table.id_of
        if name == "IsDeleted":
            state = self.table.state
            return lambda row: state[row] == DELETED
        return self.table.columns[name].get

    def target_row(self, row: int, depth: int) -> int | None:
        """The row reached after the first `depth` hops (None when a reference is null)."""
        for column, table in self.hops[:depth]:
            row = column.get(row)
            if row is None or not table.state[row]:
                return None
        return row


def bind_object(query: Query, tables: Mapping[str, Table]) -> Table:
    table = tables.get(query.sobject.lower())
    if table is None or not table.definition.flags["queryable"]:
        raise QueryError(
            "INVALID_TYPE", NO_SUCH_TYPE.format(name=query.sobject), query.text, query.sobject_line, query.sobject_col
        )
    return table


def bind_path(query: Query, field: Field, base: Table, tables: Mapping[str, Table]) -> Path:
    """Resolve `field` from `base`, or raise INVALID_FIELD as Salesforce words it."""
    parts = list(field.path)
    if (
        len(parts) > 1
        and parts[0].lower() == base.definition.name.lower()
        and not base.definition.relationship(parts[0])
    ):
        parts = parts[1:]  # "SELECT Account.Name FROM Account" names the object itself
    table, hops, key = base, [], []
    for name in parts[:-1]:
        ref = table.definition.relationship(name)
        target = tables.get(ref.reference_to[0].lower()) if ref else None
        if ref is None or target is None or ref.relationship_name is None:
            raise _invalid(query, field, NO_SUCH_RELATIONSHIP.format(name=name))
        hops.append((table.columns[ref.name], target))
        key.append(ref.relationship_name)
        table = target
    found = table.definition.field(parts[-1])
    if found is None:
        message = NO_SUCH_COLUMN.format(field=parts[-1], entity=table.definition.name)
        raise _invalid(query, field, message)
    key.append(found.name)
    return Path(tuple(key), tuple(hops), table, found)


def _invalid(query: Query, field: Field, message: str) -> QueryError:
    return QueryError("INVALID_FIELD", message, query.text, field.line, field.col)


def literal(query: Query, path: Path, value: Value, tables: Mapping[str, Table]) -> Any:
    """A literal in the path's stored representation: ms, days, a row index, lower-cased text, or a range."""
    definition = path.field
    kind = definition.storage
    if value.kind == "null":
        return None
    if kind in {"id", "ref"}:
        return _id_literal(query, path, value, tables)
    expected = {
        "str": ("string",), "float": ("number",), "int": ("number",), "bool": ("boolean",),
        "date": ("date", "relative"), "datetime": ("datetime", "relative"),
    }[kind]  # fmt: skip
    if value.kind not in expected:
        raise _mismatch(query, definition, value)
    raw = value.value
    if isinstance(raw, RelativeDate):
        return raw
    if kind == "str":
        return str(raw).lower()
    if kind == "date" and isinstance(raw, date):
        return to_days(raw)
    if kind == "datetime" and isinstance(raw, datetime):
        return to_ms(raw)
    return raw


def _mismatch(query: Query, definition: FieldDef, value: Value) -> QueryError:
    word = _TYPE_WORD[definition.storage]
    quoting = "should be enclosed in quotes" if word == "string" else "should not be enclosed in quotes"
    message = f"value of filter criterion for field '{definition.name}' must be of type {word} and {quoting}"
    return QueryError("INVALID_FIELD", message, query.text, value.line, value.col)


def _id_literal(query: Query, path: Path, value: Value, tables: Mapping[str, Table]) -> Any:
    if value.kind != "string":
        raise _mismatch(query, path.field, value)
    found = canonical(str(value.value))
    if found is None:
        message = f"invalid ID field: {value.value}"
        raise QueryError("INVALID_QUERY_FILTER_OPERATOR", message, query.text, value.line, value.col)
    if path.field.storage == "id":
        return found
    target = tables.get(path.field.reference_to[0].lower())
    row = target.row_of(found) if target is not None else None
    return -2 if row is None else row  # a row index; -2 matches nothing
