"""HubSpot's string property values into Python values at the edge, and Python values back into strings.

Every property value arrives as a JSON string or null. By the property's type (from the properties API):
`number` -> Decimal (int for counts such as `numberofemployees`; str for id-valued numbers),
`bool` -> bool, `datetime` -> aware UTC datetime (ISO-8601 or epoch milliseconds: both occur),
`date` -> date, anything else -> str (`hs_merged_object_ids` stays HubSpot's `;`-joined string). Empty
strings become None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from connectors.base import Record, SkippedRecord

__all__ = [
    "ConversionError",
    "Converter",
    "RecordConverter",
    "parse_date",
    "parse_instant",
    "to_hubspot",
]

Converter = Callable[[str], Any]
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
INTEGER_PROPERTIES: Final = frozenset({"numberofemployees", "num_associated_deals", "num_associated_contacts"})
ESSENTIAL: Final = frozenset({"hs_object_id", "hs_lastmodifieddate"})  # a record without them is skipped
ID_PROPERTIES: Final = frozenset({"hs_object_id", "hs_parent_company_id", "hubspot_owner_id", "associatedcompanyid"})


class ConversionError(ValueError):
    """A value that does not read as its property's type."""


def parse_instant(text: str) -> datetime:
    """An aware UTC datetime from ISO-8601 (`2026-01-01T00:00:00.000Z`) or epoch milliseconds."""
    value = text.strip()
    if value.lstrip("-").isdigit():
        return _EPOCH + timedelta(milliseconds=int(value))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConversionError(f"{text!r} is not a datetime") from None
    if parsed.tzinfo is UTC:  # `...Z` and `+00:00` parse to the UTC singleton: the common case
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(text: str) -> date:
    """A date from `2026-03-31`, a midnight instant or epoch milliseconds."""
    value = text.strip()
    if len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ConversionError(f"{text!r} is not a date") from None
    return parse_instant(value).date()


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ConversionError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ConversionError(f"{text!r} is not a finite number")
    return number


def _integer(text: str) -> int:
    number = _decimal(text)
    if number != number.to_integral_value():
        raise ConversionError(f"{text!r} is not a whole number")
    return int(number)


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ConversionError(f"{text!r} is not true or false")
    return lowered == "true"


def _id(text: str) -> str:
    value = text.strip()
    return value[:-2] if value.endswith(".0") else value


def _text(text: str) -> str:
    return text


_BY_TYPE: Final[Mapping[str, Converter]] = {
    "number": _decimal,
    "bool": _boolean,
    "datetime": parse_instant,
    "date": parse_date,
}


def converter_for(name: str, property_type: str | None) -> Converter:
    """The converter of one property, by name for the special ones, else by its type."""
    if name in ID_PROPERTIES:
        return _id
    if name in INTEGER_PROPERTIES:
        return _integer
    if name == "hs_lastmodifieddate" or name == "createdate":
        return parse_instant
    return _BY_TYPE.get(property_type or "", _text)


class RecordConverter:
    """Converts raw records of one object type, with one converter per property looked up once."""

    def __init__(self, types: Mapping[str, str]) -> None:
        self._types = dict(types)
        self._converters: dict[str, Converter] = {}

    def _for(self, name: str) -> Converter:
        found = self._converters.get(name)
        if found is None:
            found = converter_for(name, self._types.get(name))
            self._converters[name] = found
        return found

    def convert(self, raw: Mapping[str, Any]) -> Record:
        """A record from a list/search/batch result: `id`, `archived`, `archivedAt` and every property.

        Raises:
            ConversionError: naming the property whose value does not read as its type.
        """
        out: Record = {"id": str(raw["id"]), "archived": bool(raw.get("archived", False))}
        converters = self._converters
        for name, value in (raw.get("properties") or {}).items():
            if value is None or value == "":
                out[name] = None
                continue
            conv = converters.get(name) or self._for(name)
            if conv is _text:  # most properties: kept as sent, no call per value
                out[name] = value
                continue
            try:
                out[name] = conv(value)
            except ConversionError as exc:
                if name in ESSENTIAL:  # no id or cursor stamp: the record cannot be stored
                    raise ConversionError(f"property `{name}`: {exc}") from None
                out[name] = value  # passed on as sent: the store keeps the field empty and warns, not the record
        if out.get("hs_lastmodifieddate") is None and raw.get("updatedAt"):
            out["hs_lastmodifieddate"] = parse_instant(raw["updatedAt"])
        archived_at = raw.get("archivedAt")
        out["archivedAt"] = parse_instant(archived_at) if archived_at else None
        return out

    def convert_page(self, results: Sequence[Mapping[str, Any]]) -> tuple[list[Record], list[SkippedRecord]]:
        """`convert` of every record of a page, with the records that do not convert skipped with why.

        Column by column: each record's envelope and properties are copied in one dict update, empty strings
        found with one `in` test, then each property that needs converting is one loop over the page
        (datetimes and ids checked in the loop, the odd value by its converter): a page of 100 records costs
        a few loops instead of a call per value. Values, key order and reasons are those of `convert`.
        """
        out: list[Record] = []
        failed: dict[int, str] = {}  # id(record) -> why it is skipped, the first reason `convert` would give
        late: list[tuple[Record, Mapping[str, Any]]] = []  # records whose updatedAt / archivedAt need reading
        names: dict[str, None] = {}  # the properties the page carries, in the order they came
        for raw in results:
            try:
                record: Record = {"id": str(raw["id"]), "archived": bool(raw.get("archived", False))}
                properties = raw.get("properties") or {}
                record.update(properties)
            except (KeyError, TypeError) as exc:
                placeholder: Record = {}  # keeps the page's order; dropped below
                failed[id(placeholder)] = str(exc)
                out.append(placeholder)
                continue
            if properties.keys() != names.keys():  # one set for a whole page, as a rule
                names.update(dict.fromkeys(properties))
            if "" in properties.values():
                record.update((name, None) for name, value in properties.items() if value == "")
            if raw.get("archivedAt") or (not properties.get("hs_lastmodifieddate") and raw.get("updatedAt")):
                late.append((record, raw))
            else:
                record["archivedAt"] = None
            out.append(record)
        for name in names:
            conv = self._converters.get(name) or self._for(name)
            if conv is not _text:
                _COLUMNS.get(conv, _column)(out, name, conv, failed)
        for record, raw in late:
            _read_envelope(record, raw, failed)
        if not failed:
            return out, []
        skipped = [SkippedRecord(_id_of(raw), failed[id(rec)]) for rec, raw in zip(out, results, strict=True)
                   if id(rec) in failed]  # fmt: skip
        return [rec for rec in out if id(rec) not in failed], skipped


def _id_of(raw: Mapping[str, Any]) -> str | None:
    ident = raw.get("id") if isinstance(raw, Mapping) else None
    return str(ident) if ident else None


def _read_envelope(record: Record, raw: Mapping[str, Any], failed: dict[int, str]) -> None:
    """The record's modified stamp from `updatedAt` when the property is empty, and its `archivedAt`."""
    try:
        if record.get("hs_lastmodifieddate") is None and raw.get("updatedAt"):
            record["hs_lastmodifieddate"] = parse_instant(raw["updatedAt"])
        archived_at = raw.get("archivedAt")
        record["archivedAt"] = parse_instant(archived_at) if archived_at else None
    except ConversionError as exc:
        failed.setdefault(id(record), str(exc))


Column = Callable[[list[Record], str, Converter, dict[int, str]], None]


def _column(records: list[Record], name: str, conv: Converter, failed: dict[int, str]) -> None:
    """`conv` over one property of every record (as `RecordConverter.convert` applies it)."""
    essential = name in ESSENTIAL
    for record in records:
        value = record.get(name)
        if value.__class__ is not str:  # None (absent or empty), or a record already skipped
            continue
        try:
            record[name] = conv(value)
        except ConversionError as exc:
            if essential:
                failed.setdefault(id(record), f"property `{name}`: {exc}")


def _instants(records: list[Record], name: str, conv: Converter, failed: dict[int, str]) -> None:
    """ISO-8601 instants in UTC parsed in the loop; epoch milliseconds and other forms by `conv`."""
    parse, odd = datetime.fromisoformat, []
    for record in records:
        value = record.get(name)
        if value.__class__ is not str:
            continue
        if value[:1].isdigit() and not value.isdigit():  # not epoch ms
            try:
                moment = parse(value)
            except ValueError:
                odd.append(record)
                continue
            if moment.tzinfo is UTC:
                record[name] = moment
                continue
        odd.append(record)
    if odd:
        _column(odd, name, conv, failed)


def _ids(records: list[Record], name: str, conv: Converter, failed: dict[int, str]) -> None:
    """Ids as sent when they are plain digits; `12.0` or padded ones by `conv`."""
    odd = [record for record in records if record.get(name).__class__ is str and not record[name].isdigit()]
    if odd:
        _column(odd, name, conv, failed)


def _decimals(records: list[Record], name: str, conv: Converter, failed: dict[int, str]) -> None:
    """Numbers read as Decimal in the loop; what does not read, or is not finite, by `conv`."""
    odd = []
    for record in records:
        value = record.get(name)
        if value.__class__ is not str:
            continue
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = _NAN
        if number.is_finite():
            record[name] = number
        else:
            odd.append(record)
    if odd:
        _column(odd, name, conv, failed)


def _integers(records: list[Record], name: str, conv: Converter, failed: dict[int, str]) -> None:
    """Counts: plain ASCII digits read as int in the loop (`250.0` and the rest by `conv`)."""
    odd = []
    for record in records:
        value = record.get(name)
        if value.__class__ is not str:
            continue
        if value.isascii() and value.isdigit():
            record[name] = int(value)
        else:
            odd.append(record)
    if odd:
        _column(odd, name, conv, failed)


_NAN: Final = Decimal("NaN")
_COLUMNS: Final[Mapping[Converter, Column]] = {
    parse_instant: _instants,
    _id: _ids,
    _decimal: _decimals,
    _integer: _integers,
}


def to_hubspot(value: Any) -> str:
    """A Python value as HubSpot takes it in a write: strings; datetimes as epoch ms; None clears."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return str((aware - _EPOCH) // timedelta(milliseconds=1))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
