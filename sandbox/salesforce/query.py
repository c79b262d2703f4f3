"""Runs a bound SOQL query once into an ordered list of row indexes (pages are then cut from that list)."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sandbox.salesforce.binding import Path, bind_object, bind_path, literal
from sandbox.salesforce.dateliterals import RelativeDate
from sandbox.salesforce.errors import ApiError, QueryError
from sandbox.salesforce.soql import BoolOp, Compare, Condition, Not, Order, Query, parse
from sandbox.salesforce.store import LIVE, Table
from sandbox.salesforce.values import to_days

MAX_OFFSET: Final = 2000
Predicate = Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class Plan:
    """A query bound to the org: the queried table and the selected paths."""

    query: Query
    table: Table
    select: tuple[Path, ...]
    include_deleted: bool


def plan(soql: str, tables: Mapping[str, Table], include_deleted: bool) -> Plan:
    """Parse and bind `soql`, raising the QueryError Salesforce would answer."""
    query = parse(soql)
    table = bind_object(query, tables)
    select = tuple(bind_path(query, f, table, tables) for f in query.fields)
    seen: set[tuple[str, ...]] = set()
    for path, field in zip(select, query.fields, strict=True):
        lowered = tuple(k.lower() for k in path.key)
        if lowered in seen:
            message = f"duplicate field selected: {'.'.join(path.key)}"
            raise QueryError("MALFORMED_QUERY", message, query.text, field.line, field.col)
        seen.add(lowered)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    if query.where is not None:  # bind now so a bad filter fails the call that sent it
        _predicate(query, query.where, table, tables, datetime.now(UTC))
    for order in query.order_by:
        _sort_key(query, order, table, tables)
    return Plan(query, table, select, include_deleted)


def run(bound: Plan, tables: Mapping[str, Table], now: datetime) -> array[int]:
    """The rows the query returns, in order, after OFFSET and LIMIT."""
    query, table = bound.query, bound.table
    indexed = _indexed_rows(query, table, tables, bound.include_deleted, now)
    rows = table.rows(bound.include_deleted) if indexed is None else indexed
    if query.where is not None:
        keep = _predicate(query, query.where, table, tables, now)
        matched = array("i", (r for r in rows if keep(r)))
    else:
        matched = array("i", rows)
    if query.order_by:
        ordered = list(matched)
        for order in reversed(query.order_by):
            ordered.sort(key=_sort_key(query, order, table, tables), reverse=order.descending)
        matched = array("i", ordered)
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    return matched[start:stop]


INDEXED: Final = frozenset({"SystemModstamp", "CreatedDate", "LastModifiedDate"})  # standard indexed date-times


def _indexed_rows(
    query: Query, table: Table, tables: Mapping[str, Table], include_deleted: bool, now: datetime
) -> array[int] | None:
    """Rows an AND of range filters on one indexed date-time can match (a superset, in id order), found by
    bisecting that field's index instead of scanning every row; None when the filter has no such range."""
    where = query.where
    items = where.items if isinstance(where, BoolOp) and where.op == "AND" else (where,)
    name, low, high = None, None, None
    for item in items:
        if not isinstance(item, Compare) or item.op not in {"<", "<=", ">", ">="} or len(item.values) != 1:
            continue
        path = bind_path(query, item.field, table, tables)
        value = _resolve_relative(literal(query, path, item.values[0], tables), path.field.storage, now)
        if (
            path.hops
            or path.field.name not in INDEXED
            or not isinstance(value, int)
            or name not in (None, path.field.name)
        ):
            continue
        name = path.field.name
        if item.op in {">", ">="}:
            low = value if low is None else max(low, value)
        else:
            high = value if high is None else min(high, value)
    if name is None:
        return None
    values, rows = table.sorted_index(name)
    start = 0 if low is None else bisect_left(values, low)
    stop = len(values) if high is None else bisect_right(values, high)
    state = table.state
    return array("i", sorted(r for r in rows[start:stop] if state[r] == LIVE or (include_deleted and state[r])))


def _sort_key(query: Query, order: Order, table: Table, tables: Mapping[str, Table]) -> Callable[[int], Any]:
    path = bind_path(query, order.field, table, tables)
    null_flag = 1 if order.nulls_last != order.descending else 0
    text = path.field.is_text
    get = path.getter()

    def key(row: int) -> tuple[int, Any]:
        value = get(row)
        if value is None:
            return (null_flag, 0)
        return (1 - null_flag, value.lower() if text else value)

    return key


def _predicate(
    query: Query, condition: Condition, table: Table, tables: Mapping[str, Table], now: datetime
) -> Predicate:
    if isinstance(condition, Not):
        inner = _predicate(query, condition.item, table, tables, now)
        return lambda row: not inner(row)
    if isinstance(condition, BoolOp):
        parts = [_predicate(query, c, table, tables, now) for c in condition.items]
        if condition.op == "AND":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    return _comparison(query, condition, table, tables, now)


def _comparison(query: Query, compare: Compare, table: Table, tables: Mapping[str, Table], now: datetime) -> Predicate:
    path = bind_path(query, compare.field, table, tables)
    values = [literal(query, path, v, tables) for v in compare.values]
    kind = path.field.storage
    resolved = [_resolve_relative(v, kind, now) for v in values]
    get = path.getter()
    text = path.field.is_text
    if compare.op == "LIKE":
        if not text or not isinstance(values[0], str):
            message = f"invalid operator on field '{path.field.name}'"
            raise QueryError("INVALID_FIELD", message, query.text, compare.field.line, compare.field.col)
        pattern = _like(values[0])
        return lambda row: (v := get(row)) is not None and pattern.fullmatch(v.lower()) is not None
    test = _operator(compare.op, resolved)
    if text:
        return lambda row: test(None if (v := get(row)) is None else v.lower())
    return lambda row: test(get(row))


def _resolve_relative(value: Any, kind: str, now: datetime) -> Any:
    """Relative date literals become a (start, end) pair in the field's stored units."""
    if not isinstance(value, RelativeDate):
        return value
    start, end = value.bounds(now)
    if kind == "date":
        return _Range(to_days(start), to_days(end))
    return _Range(to_days(start) * 86_400_000, to_days(end) * 86_400_000)


@dataclass(frozen=True, slots=True)
class _Range:
    start: int
    end: int


def _operator(op: str, values: list[Any]) -> Callable[[Any], bool]:
    if op in {"IN", "NOT IN"}:
        singles = {v for v in values if not isinstance(v, _Range)}
        ranges = [v for v in values if isinstance(v, _Range)]

        def member(x: Any) -> bool:
            return x in singles or (x is not None and any(r.start <= x < r.end for r in ranges))

        return member if op == "IN" else (lambda x: not member(x))
    value = values[0]
    if isinstance(value, _Range):
        return _range_test(op, value)
    if op == "=":
        return lambda x: x == value
    if op == "!=":
        return lambda x: x != value
    if value is None:
        return lambda x: False
    return _ORDERED[op](value)


def _range_test(op: str, r: _Range) -> Callable[[Any], bool]:
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda x: x is not None and r.start <= x < r.end,
        "!=": lambda x: x is None or not r.start <= x < r.end,
        "<": lambda x: x is not None and x < r.start,
        "<=": lambda x: x is not None and x < r.end,
        ">": lambda x: x is not None and x >= r.end,
        ">=": lambda x: x is not None and x >= r.start,
    }
    return tests[op]


_ORDERED: Final[dict[str, Callable[[Any], Callable[[Any], bool]]]] = {
    "<": lambda v: lambda x: x is not None and x < v,
    "<=": lambda v: lambda x: x is not None and x <= v,
    ">": lambda v: lambda x: x is not None and x > v,
    ">=": lambda v: lambda x: x is not None and x >= v,
}


def _like(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    chars = iter(pattern.lower())
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)
