"""HubSpot's string property values into Python values at the edge, and Python values back into strings.

Every property value arrives as a JSON string or null. By the property's type (from the properties API):
`number` -> Decimal (int for counts such as `numberofemployees`; str for id-valued numbers),
`bool` -> bool, `datetime` -> aware UTC datetime (ISO-8601 or epoch milliseconds: both occur),
`date` -> date, anything else -> str (`hs_merged_object_ids` stays HubSpot's `;`-joined string). Empty
strings become None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from connectors.base import Record

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
