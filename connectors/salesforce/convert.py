"""Salesforce values to ours at the edge: aware UTC datetimes, dates, Decimal money, flattened relationships.

A record without an Id, or whose SystemModstamp does not read, is skipped with its id and the reason; the rest
of the page is kept. Any other value that does not read as its type is passed on as sent: the store keeps that
field empty with a data-quality warning, and keeps the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from connectors.base import Record, SkippedRecord

MONEY_FIELDS: Final = frozenset({"Amount", "AnnualRevenue", "TotalPrice", "ConversionRate", "UnitPrice", "ListPrice"})
Converter = Callable[[Any], Any]


class ConversionError(ValueError):
    """One value could not be read; the record is skipped."""


def to_datetime(value: Any) -> datetime:
    """`2026-01-01T00:00:00.000+0000` (REST) or `...000Z` (Bulk CSV) as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value if isinstance(value, str) else str(value))
        except ValueError:
            raise ConversionError(f"not a date-time: {value!r}") from None
    if moment.tzinfo is UTC:  # fromisoformat gives the UTC singleton for +0000 and Z
        return moment
    offset = moment.utcoffset()
    if offset is None or not offset:  # naive, or already UTC under another tzinfo: the common case
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_date(value: Any) -> date:
    """`2026-01-01` as a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConversionError(f"not a date: {value!r}") from None


def to_decimal(value: Any) -> Decimal:
    """A JSON number or CSV cell as an exact, finite Decimal (floats through their shortest repr)."""
    if isinstance(value, bool):
        raise ConversionError(f"not a number: {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ConversionError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ConversionError(f"not a finite number: {value!r}")
    return number


def to_float(value: Any) -> float:
    """A double or percent."""
    if isinstance(value, bool):
        raise ConversionError(f"not a number: {value!r}")
    if isinstance(value, float | int):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise ConversionError(f"not a number: {value!r}") from None


def to_int(value: Any) -> int:
    """An int field (JSON may carry `12.0`)."""
    if type(value) is int:
        return value
    number = to_float(value)
    if not number.is_integer():
        raise ConversionError(f"not an integer: {value!r}")
    return int(number)


def to_bool(value: Any) -> bool:
    """A JSON boolean or the CSV `true` / `false`."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "false"}:
        return text == "true"
    raise ConversionError(f"not a boolean: {value!r}")


_BY_TYPE: Final[dict[str, Converter]] = {
    "datetime": to_datetime,
    "date": to_date,
    "currency": to_decimal,
    "double": to_float,
    "percent": to_float,
    "int": to_int,
    "boolean": to_bool,
}
# REST JSON already carries booleans as such; numbers are still normalised (JSON `12.0` for an int field).
_JSON_NATIVE: Final = frozenset({"boolean"})


def converter_for(name: str, sf_type: str) -> Converter | None:
    """The conversion of one field, by describe type (money fields always to Decimal)."""
    if name.rsplit(".", 1)[-1] in MONEY_FIELDS:
        return to_decimal
    return _BY_TYPE.get(sf_type)


@dataclass(frozen=True, slots=True)
class RecordShape:
    """The fields of a stream in query order with their describe types, and how to convert them."""

    fields: tuple[str, ...]
    types: Mapping[str, str] = field(default_factory=dict)
    dotted: tuple[str, ...] = field(init=False, repr=False, compare=False)
    names: frozenset[str] = field(init=False, repr=False, compare=False)
    plans: tuple[tuple[tuple[str, Converter], ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dotted", tuple(f for f in self.fields if "." in f))
        object.__setattr__(self, "names", frozenset(self.fields))
        # The per-page conversion plans, JSON then CSV, worked out once per stream rather than once per page.
        object.__setattr__(self, "plans", (tuple(self._converters(False)), tuple(self._converters(True))))

    def converters(self, csv: bool) -> tuple[tuple[str, Converter], ...]:
        """(field, converter) for the fields that need converting on the REST (JSON) or CSV path."""
        return self.plans[csv]

    def _converters(self, csv: bool) -> list[tuple[str, Converter]]:
        found = []
        for name in self.fields:
            sf_type = self.types.get(name, "string")
            conv = converter_for(name, sf_type)
            if conv is not None and (csv or sf_type not in _JSON_NATIVE or conv is to_decimal):
                found.append((name, conv))
        return found

    def flatten(self, raw: dict[str, Any]) -> Record:
        """A REST record as a flat row of the selected fields, relationship paths flattened (`Product2.Family`).

        The parsed record is reused (its `attributes` dropped) rather than copied: this runs once per record.
        """
        raw.pop("attributes", None)
        if not self.dotted and len(raw) == len(self.fields):
            return raw
        for name in self.dotted:
            value: Any = raw
            for part in name.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            raw[name] = value
        for name in [k for k in raw if k not in self.names]:
            del raw[name]  # relationship objects, now flattened
        for name in self.fields:
            raw.setdefault(name, None)
        return raw

    def flatten_page(self, raws: Iterable[dict[str, Any]]) -> list[Record]:
        """`flatten` of every record of a page; a page of plain fields (the common case) costs one `pop` each."""
        width = len(self.fields)
        rows = []
        for raw in raws:
            raw.pop("attributes", None)
            rows.append(raw if len(raw) == width and not self.dotted else self.flatten(raw))
        return rows


def convert_records(
    shape: RecordShape, rows: Iterable[Record], *, csv: bool
) -> tuple[list[Record], list[SkippedRecord]]:
    """Convert flat rows in place; rows that fail (or lack an Id) are returned as skipped, with why.

    Column by column rather than record by record: each field's loop is specialised to its type (a datetime,
    a money amount) with the rare odd value sent down the general path, so a page costs a few tight loops
    instead of a call per value.
    """
    page = rows if isinstance(rows, list) else list(rows)
    failed: dict[int, SkippedRecord] = {}  # id(row) -> why it is skipped (the first reason found)
    ids = [row.get("Id") for row in page]
    if not all(ids):
        failed.update((id(row), SkippedRecord(None, "record has no Id")) for row in page if not row.get("Id"))
    for name, conv in shape.converters(csv):
        _COLUMNS.get(conv, _column)(page, name, conv, failed)
    if not failed:
        return page, []
    return [row for row in page if id(row) not in failed], [failed[id(row)] for row in page if id(row) in failed]


ESSENTIAL = frozenset({"Id", "SystemModstamp"})  # a record whose id or cursor stamp does not read is skipped
Column = Callable[[list[Record], str, Converter, dict[int, SkippedRecord]], None]


def _column(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """`conv` over one field of every row; a value of a field other than Id and SystemModstamp that does not
    read as its type is passed on as sent (the store keeps that field empty with a data-quality warning, and
    the record)."""
    essential = name in ESSENTIAL
    for row in rows:
        value = row.get(name)
        if value is None or value == "":
            continue
        try:
            row[name] = conv(value)
        except ConversionError as exc:
            if essential:
                failed.setdefault(id(row), SkippedRecord(str(row.get("Id")), f"{name}: {exc}"))


def _datetimes(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """Datetimes in UTC (`...+0000` by REST, `...Z` by Bulk) parsed in the loop; anything else by `conv`."""
    parse, odd = datetime.fromisoformat, []
    for row in rows:
        value = row.get(name)
        if value.__class__ is str and value:
            try:
                moment = parse(value)
            except ValueError:
                odd.append(row)
                continue
            if moment.tzinfo is UTC:
                row[name] = moment
                continue
        if value is not None and value != "":
            odd.append(row)
    if odd:
        _column(odd, name, conv, failed)


def _decimals(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """Money as Decimal: a JSON float through its shortest repr, a CSV cell as written; anything else by `conv`."""
    odd = []
    for row in rows:
        value = row.get(name)
        kind = value.__class__
        if kind is float or kind is str:
            try:
                number = Decimal(repr(value) if kind is float else value.strip())  # type: ignore[union-attr]
            except InvalidOperation:
                number = _NAN
            if number.is_finite():
                row[name] = number
                continue
        if value is not None and value != "":
            odd.append(row)
    if odd:
        _column(odd, name, conv, failed)


def _ints(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """An int field: a JSON int kept, a whole float or numeric cell as its int (as `to_int`); else by `conv`."""
    odd = []
    for row in rows:
        value = row.get(name)
        kind = value.__class__
        if kind is int:
            continue
        if kind is str or kind is float:
            try:
                number = float(value)  # type: ignore[arg-type]
            except ValueError:
                number = _NOT_WHOLE
            if number.is_integer():
                row[name] = int(number)
                continue
        if value is not None and value != "":
            odd.append(row)
    if odd:
        _column(odd, name, conv, failed)


def _floats(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """A double or percent: a JSON float kept, a numeric cell read as `to_float` reads it; else by `conv`."""
    odd = []
    for row in rows:
        value = row.get(name)
        kind = value.__class__
        if kind is float:
            continue
        if kind is str:
            try:
                row[name] = float(value)  # type: ignore[arg-type]
                continue
            except ValueError:
                pass
        if value is not None and value != "":
            odd.append(row)
    if odd:
        _column(odd, name, conv, failed)


def _bools(rows: list[Record], name: str, conv: Converter, failed: dict[int, SkippedRecord]) -> None:
    """A CSV boolean: the `true` / `false` Bulk writes; any other spelling by `conv`."""
    odd = []
    for row in rows:
        value = row.get(name)
        if value == "true":
            row[name] = True
        elif value == "false":
            row[name] = False
        elif value is not None and value != "":
            odd.append(row)
    if odd:
        _column(odd, name, conv, failed)


_NAN: Final = Decimal("NaN")
_NOT_WHOLE: Final = 0.5
_COLUMNS: Final[dict[Converter, Column]] = {
    to_datetime: _datetimes,
    to_decimal: _decimals,
    to_int: _ints,
    to_float: _floats,
    to_bool: _bools,
}
