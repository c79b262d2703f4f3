"""Aggregate SOQL (COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN, MAX, GROUP BY) answered as AggregateResult rows.

The aggregate select is rewritten into a plain select of the fields it reads (same FROM and WHERE), run by
the ordinary planner, and grouped here: `SELECT Industry, COUNT(Id) n, SUM(AnnualRevenue) FROM Account GROUP
BY Industry` answers `{"attributes": {"type": "AggregateResult"}, "Industry": ..., "n": 12, "expr0": 3.4e6}`
per group, as the REST API Developer Guide's "Aggregate Functions" examples show.

Date functions (SOQL and SOSL Reference, "Date Functions") group and select a date-time field by period, in
UTC unless wrapped in convertTimezone() (which this org does not answer): `SELECT DAY_ONLY(SystemModstamp) d,
HOUR_IN_DAY(SystemModstamp) h, COUNT(Id) n FROM Account GROUP BY DAY_ONLY(SystemModstamp),
HOUR_IN_DAY(SystemModstamp)` answers `"d": "2026-01-05", "h": 14, "n": 12` per group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.query import plan, run
from sandbox.salesforce.records import leaf_values
from sandbox.salesforce.store import Table

__all__ = ["aggregate_query", "is_aggregate"]

FUNCTIONS: Final = ("COUNT_DISTINCT", "COUNT", "SUM", "AVG", "MIN", "MAX")
DATE_FUNCTIONS: Final[dict[str, Callable[[datetime], Any]]] = {
    "CALENDAR_YEAR": lambda t: t.year,
    "CALENDAR_QUARTER": lambda t: (t.month - 1) // 3 + 1,
    "CALENDAR_MONTH": lambda t: t.month,
    "DAY_IN_MONTH": lambda t: t.day,
    "DAY_IN_WEEK": lambda t: t.isoweekday() % 7 + 1,  # 1 for Sunday, 7 for Saturday
    "DAY_IN_YEAR": lambda t: t.timetuple().tm_yday,
    "DAY_ONLY": lambda t: t.date().isoformat(),
    "HOUR_IN_DAY": lambda t: t.hour,
}
_CALL: Final = re.compile(rf"^({'|'.join(FUNCTIONS)})\s*\(\s*([\w.]+)\s*\)(?:\s+(\w+))?$", re.IGNORECASE)
_DATED: Final = re.compile(rf"^({'|'.join(DATE_FUNCTIONS)})\s*\(\s*([\w.]+)\s*\)(?:\s+(\w+))?$", re.IGNORECASE)
_AGGREGATE: Final = re.compile(rf"\b({'|'.join(FUNCTIONS)})\s*\(\s*[\w.]+\s*\)|\bGROUP\s+BY\b", re.IGNORECASE)
# COUNT() with nothing inside is the plain count query the ordinary planner answers; it does not match.
_SHAPE: Final = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<sobject>\w+)(?P<where>\s+WHERE\s+.+?)?"
    r"(?:\s+GROUP\s+BY\s+(?P<group>[\w.,\s()]+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Item:
    """One select item: a grouped field or date period (`function` None), or an aggregate over `field`,
    shown as `key`; `expression` is what GROUP BY names (the field, or `DAY_ONLY(field)`), lower case."""

    function: str | None
    field: str
    key: str
    period: str | None = None

    @property
    def expression(self) -> str:
        return _expression(self.period, self.field)


def _expression(period: str | None, field: str) -> str:
    return f"{period}({field})".lower() if period else field.lower()


def _group_expression(raw: str) -> tuple[str | None, str]:
    found = _DATED.match(raw)
    if found is not None and found.group(3) is None:
        return found.group(1).upper(), found.group(2)
    if not re.fullmatch(r"[\w.]+", raw):
        raise _malformed(f"unexpected token in GROUP BY: '{raw}'")
    return None, raw


def is_aggregate(soql: str) -> bool:
    """An aggregate function over a field, or GROUP BY."""
    return _AGGREGATE.search(soql) is not None


def _malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


def _items(select: str) -> list[Item]:
    items, unnamed = [], 0
    for raw in (part.strip() for part in select.split(",")):
        found, dated = _CALL.match(raw), _DATED.match(raw)
        if dated is not None:
            alias = dated.group(3)
            if alias is None:
                alias, unnamed = f"expr{unnamed}", unnamed + 1
            items.append(Item(None, dated.group(2), alias, dated.group(1).upper()))
            continue
        if found is None:
            if not re.fullmatch(r"[\w.]+", raw):
                raise _malformed(f"unexpected token in select list: '{raw}'")
            items.append(Item(None, raw, raw.split(".")[-1]))
            continue
        alias = found.group(3)
        if alias is None:
            alias, unnamed = f"expr{unnamed}", unnamed + 1
        items.append(Item(found.group(1).upper(), found.group(2), alias))
    return items


def _compute(function: str, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if function == "COUNT":
        return len(present)
    if function == "COUNT_DISTINCT":
        return len({str(v).lower() for v in present})
    if not present:
        return None
    if function == "SUM":
        return float(sum(present))
    if function == "AVG":
        return float(sum(present)) / len(present)
    return min(present) if function == "MIN" else max(present)


def aggregate_query(soql: str, tables: Mapping[str, Table], include_deleted: bool, now: datetime) -> dict[str, Any]:
    """The REST answer to an aggregate query: one AggregateResult per group, in first-seen group order."""
    shape = _SHAPE.match(soql)
    if shape is None:
        raise _malformed("unexpected token in an aggregate query (this org answers SELECT ... FROM ... [WHERE ...] "
                         "[GROUP BY fields] [LIMIT n])")  # fmt: skip
    items = _items(shape.group("select"))
    groups = [_group_expression(g.strip()) for g in (shape.group("group") or "").split(",") if g.strip()]
    grouped = {_expression(*g) for g in groups}
    loose = [i.field for i in items if i.function is None and i.expression not in grouped]
    if loose:
        raise _malformed(f"Field must be grouped or aggregated: {loose[0]}")
    read = [*(f for _, f in groups), *(i.field for i in items)]
    fields = list({f.lower(): f for f in reversed(read)}.values())[::-1] or ["Id"]
    inner = f"SELECT {', '.join(fields)} FROM {shape.group('sobject')}{shape.group('where') or ''}"
    bound = plan(inner, tables, include_deleted)
    rows = list(run(bound, tables, now))
    columns = {}
    for name, path in zip(fields, bound.select, strict=True):
        columns[name.lower()] = _values(path, tables, rows)
    for period, field in {*groups, *((i.period, i.field) for i in items if i.period)}:
        if period is not None:
            columns[_expression(period, field)] = _periods(period, columns[field.lower()])
    keys = list(zip(*(columns[_expression(*g)] for g in groups), strict=True)) if groups else [()] * len(rows)
    order = list(dict.fromkeys(keys)) if groups else [()]
    members: dict[tuple[Any, ...], list[int]] = {key: [] for key in order}
    for n, key in enumerate(keys):
        members[key].append(n)
    limit = int(shape.group("limit")) if shape.group("limit") else None
    records = [_record(items, columns, members[key]) for key in order[:limit]]
    return {"totalSize": len(records), "done": True, "records": records}


def _values(path: Any, tables: Mapping[str, Table], rows: list[int]) -> list[Any]:
    """The path's wire values for `rows` (numbers as numbers: sums and averages need them)."""
    if not path.hops:
        return leaf_values(path.table, path.field, tables, rows)
    targets = [path.target_row(r, len(path.hops)) for r in rows]
    present = iter(leaf_values(path.table, path.field, tables, [t for t in targets if t is not None]))
    return [None if t is None else next(present) for t in targets]


# Periods read straight off the UTC wire text (`2026-03-04T17:05:09.000+0000`, or a date's first ten): a date
# function over 20,000 rows would otherwise parse 20,000 date-times.
_SLICED: Final[dict[str, Callable[[str], Any]]] = {
    "CALENDAR_YEAR": lambda v: int(v[:4]),
    "CALENDAR_MONTH": lambda v: int(v[5:7]),
    "DAY_IN_MONTH": lambda v: int(v[8:10]),
    "DAY_ONLY": lambda v: v[:10],
    "HOUR_IN_DAY": lambda v: int(v[11:13]) if len(v) > 10 else 0,
}


def _periods(period: str, values: list[Any]) -> list[Any]:
    """A date function over a field's wire values (date-times `...+0000`, dates `YYYY-MM-DD`), in UTC."""
    sliced = _SLICED.get(period)
    if sliced is not None:
        return [None if v is None else sliced(v) for v in values]
    of = DATE_FUNCTIONS[period]
    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
        elif len(value) == 10:
            day = date.fromisoformat(value)
            out.append(of(datetime(day.year, day.month, day.day)))
        else:
            out.append(of(datetime.fromisoformat(value)))
    return out


def _record(items: list[Item], columns: dict[str, list[Any]], members: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for item in items:
        column = columns[item.expression]
        values = [column[n] for n in members]
        out[item.key] = values[0] if item.function is None else _compute(item.function, values)
    return out
