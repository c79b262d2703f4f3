"""Search filters compiled into row predicates, with HubSpot's comparison rules per property type."""

from __future__ import annotations

import fnmatch
import re
from array import array
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sandbox.hubspot.columns import NULL_MS
from sandbox.hubspot.errors import ValidationError
from sandbox.hubspot.search_request import Filter
from sandbox.hubspot.store import ObjectStore
from sandbox.hubspot.timestamps import parse_instant

__all__ = ["RANGE_OPERATORS", "Predicate", "bounds", "getter", "kind_of", "predicate"]

Predicate = Callable[[int], bool]
RANGE_OPERATORS: Final = frozenset({"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"})
_TOKEN: Final = re.compile(r"[^\w@.\-]+|(?<=\w)[.\-](?=\s|$)")
_BOOL_TEXT: Final = (None, "false", "true")


def kind_of(prop_type: str) -> str:
    """How a property type compares: `num` (numerically), `ms` (instants), `bool`, else `str`."""
    return {"number": "num", "datetime": "ms", "date": "ms", "bool": "bool"}.get(prop_type, "str")


def _operand(kind: str, text: str, name: str) -> Any:
    """A filter value in the property's own terms (numbers compare as numbers, instants as ms)."""
    if kind == "num":
        try:
            return float(Decimal(text.strip()))
        except InvalidOperation as err:
            raise ValidationError(f"{text} is not a valid number for property {name}") from err
    if kind == "ms":
        ms = parse_instant(text)
        if ms is None:
            raise ValidationError(f"{text} is not a valid date or epoch milliseconds for property {name}")
        return ms
    return text.strip().lower()


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def getter(store: ObjectStore, name: str, kind: str) -> Callable[[int], Any]:
    """A direct `row -> comparable value` reader: numbers as float, instants as ms, text lower-cased."""
    virtual = {"hs_object_id": store.ids, "createdate": store.created, store.modified_name: store.updated}
    if name in virtual:
        return virtual[name].__getitem__
    column = store.columns.get(name)
    if column is None:
        return lambda row: None
    data = column.data
    if isinstance(data, array):
        return lambda row: None if (v := data[row]) == NULL_MS else v
    if isinstance(data, bytearray):
        return lambda row: _BOOL_TEXT[data[row]]
    if kind == "num":
        return lambda row: _number(data[row])
    return lambda row: None if (v := data[row]) is None else v.lower()


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.split(text) if t} | {text}


def _contains_token(value: str, pattern: str) -> bool:
    """HubSpot's token match: whole tokens, `*` as a wildcard (`*@hubspot.com`)."""
    if "*" in pattern:
        return any(fnmatch.fnmatchcase(t, pattern) for t in _tokens(value))
    return pattern in _tokens(value)


def _compare(op: str, operand: Any, high: Any, get: Callable[[int], Any]) -> Predicate:
    checks: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda v: v == operand, "LT": lambda v: v < operand, "LTE": lambda v: v <= operand,
        "GT": lambda v: v > operand, "GTE": lambda v: v >= operand,
        "BETWEEN": lambda v: operand <= v <= high,
    }  # fmt: skip
    check = checks[op]
    return lambda row: (v := get(row)) is not None and check(v)


def predicate(store: ObjectStore, f: Filter) -> Predicate:
    """`row -> bool` for one filter; a property the type does not have is a VALIDATION_ERROR."""
    prop = store.schema.get(f.property)
    if prop is None:
        raise ValidationError(f"There is no property named {f.property} on object type {store.object_type}",
                              context={"propertyName": [f.property]})  # fmt: skip
    kind = kind_of(prop.type)
    get = getter(store, f.property, kind)
    op = f.operator
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        present: Predicate = lambda row: get(row) not in (None, "")  # noqa: E731
        return present if op == "HAS_PROPERTY" else (lambda row: not present(row))
    if op in ("IN", "NOT_IN"):
        wanted = {_operand(kind, v, f.property) for v in f.values}
        return (lambda row: get(row) in wanted) if op == "IN" else (lambda row: get(row) not in wanted)
    assert f.value is not None
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = f.value.strip().lower()
        found: Predicate = lambda row: (v := get(row)) is not None and _contains_token(str(v), pattern)  # noqa: E731
        return found if op == "CONTAINS_TOKEN" else (lambda row: not found(row))
    operand = _operand(kind, f.value, f.property)
    if op == "NEQ":
        return lambda row: get(row) != operand
    high = _operand(kind, f.high, f.property) if op == "BETWEEN" and f.high is not None else None
    return _compare(op, operand, high, get)


def bounds(filters: Iterable[Filter], name: str) -> tuple[int | None, int | None] | None:
    """The inclusive integer [lo, hi] that the filters on `name` imply, or None when none narrow it."""
    lo: int | None = None
    hi: int | None = None
    found = False
    for f in filters:
        if f.property != name or f.operator not in RANGE_OPERATORS or f.value is None:
            continue
        value = parse_instant(f.value)
        if value is None:
            continue
        found = True
        if f.operator in ("EQ", "GTE", "GT", "BETWEEN"):
            start = value + 1 if f.operator == "GT" else value
            lo = start if lo is None else max(lo, start)
        if f.operator in ("EQ", "LTE", "LT"):
            end = value - 1 if f.operator == "LT" else value
            hi = end if hi is None else min(hi, end)
        if f.operator == "BETWEEN" and f.high is not None and (top := parse_instant(f.high)) is not None:
            hi = top if hi is None else min(hi, top)
    return (lo, hi) if found else None
