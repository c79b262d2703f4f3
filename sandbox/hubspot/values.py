"""Validating written property values the way HubSpot does, into the values the store keeps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.hubspot.errors import PropertyIssue
from sandbox.hubspot.properties import PropertyDef, PropertySchema
from sandbox.hubspot.timestamps import parse_instant

__all__ = ["coerce_properties", "coerce_value", "input_text"]

_DAY_MS = 86_400_000
_MAX_TEXT = 65_536


def input_text(raw: Any) -> str | None:
    """What a JSON value means as a property value: HubSpot takes strings, numbers and booleans."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    if isinstance(raw, str):
        return raw
    return None


def coerce_value(prop: PropertyDef, raw: Any) -> tuple[str | int | None, PropertyIssue | None]:
    """(stored value, None) or (None, the issue HubSpot reports for it)."""
    text = input_text(raw)
    if text is None and raw is not None:
        return None, PropertyIssue(prop.name, "INVALID_PROPERTY_VALUE", f"{raw!r} is not a valid value")
    if text is None or text == "":
        return None, None
    checker = _CHECKS.get(prop.type, _string)
    return checker(prop, text)


def _string(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    if len(text) > _MAX_TEXT:
        return None, PropertyIssue(prop.name, "INVALID_STRING", f"{prop.name} is longer than {_MAX_TEXT} characters")
    return text, None


def _number(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        return None, PropertyIssue(prop.name, "INVALID_FLOAT", f"{text} was not a valid number.")
    return text.strip(), None


def _enumeration(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    if prop.external_options:
        if not text.strip().isdigit():
            return None, PropertyIssue(prop.name, "INVALID_OWNER_ID", f"{text} is not a valid owner id")
        return text.strip(), None
    parts = text.split(";") if prop.field_type == "checkbox" else [text]
    bad = [p for p in parts if p not in prop.option_values]
    if bad:
        allowed = ", ".join(sorted(prop.option_values))
        message = f"{bad[0]} was not one of the allowed options: [{allowed}]"
        return None, PropertyIssue(prop.name, "INVALID_OPTION", message)
    return text, None


def _boolean(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        return None, PropertyIssue(prop.name, "INVALID_BOOLEAN", f"{text} is not a valid boolean: use true or false")
    return lowered, None


def _datetime(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    ms = parse_instant(text)
    if ms is None:
        return None, PropertyIssue(prop.name, "INVALID_DATE", f"{text} is not a valid datetime")
    return ms, None


def _date(prop: PropertyDef, text: str) -> tuple[str | int | None, PropertyIssue | None]:
    ms = parse_instant(text)
    if ms is None or ms % _DAY_MS:
        message = f"{text} is at a time other than midnight UTC, or not a date"
        return None, PropertyIssue(prop.name, "INVALID_DATE", message)
    return ms, None


_CHECKS = {
    "string": _string,
    "number": _number,
    "enumeration": _enumeration,
    "bool": _boolean,
    "datetime": _datetime,
    "date": _date,
}


def coerce_properties(
    schema: PropertySchema, given: dict[str, Any], *, allow_read_only: bool = False
) -> tuple[dict[str, str | int | None], list[PropertyIssue]]:
    """Stored values for a write's `properties`, and every issue found (unknown, read-only, invalid)."""
    out: dict[str, str | int | None] = {}
    issues: list[PropertyIssue] = []
    for name, raw in given.items():
        prop = schema.get(name)
        if prop is None:
            issues.append(PropertyIssue(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if prop.read_only_value and not allow_read_only:
            issues.append(PropertyIssue(name, "READ_ONLY_VALUE", f'Property "{name}" is a read only property'))
            continue
        value, issue = coerce_value(prop, raw)
        if issue is not None:
            issues.append(issue)
        else:
            out[name] = value
    return out, issues
