"""Creating the write-back properties that are missing, in the property group `accountsync`.

Existing properties are checked first: one with an incompatible type stops everything with a
`ProvisioningError` naming it (nothing is created half-way). Then the group is created when missing,
then each missing property, with the type and field type its kind needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from connectors.base import FieldSpec, ObjectSchema
from connectors.errors import FatalError, ProvisioningError
from connectors.hubspot.schema import fetch_schema
from connectors.hubspot.transport import Transport

__all__ = ["COMPATIBLE_TYPES", "GROUP", "PROPERTY_TYPES", "create_missing_properties", "property_body"]

GROUP: Final = "accountsync"
GROUP_LABEL: Final = "AccountSync"
# FieldSpec.kind -> (type, fieldType) HubSpot creates.
PROPERTY_TYPES: Final = {
    "number": ("number", "number"),
    "percent": ("number", "number"),
    "text": ("string", "text"),
    "longtext": ("string", "textarea"),
    "date": ("datetime", "date"),
}
# FieldSpec.kind -> existing property types we can write it into.
COMPATIBLE_TYPES: Final = {
    "number": frozenset({"number"}),
    "percent": frozenset({"number"}),
    "text": frozenset({"string"}),
    "longtext": frozenset({"string"}),
    "date": frozenset({"datetime", "date"}),
}
_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")


def property_body(spec: FieldSpec) -> dict[str, Any]:
    """The `POST /crm/v3/properties/{type}` body for one field."""
    kind, field_type = PROPERTY_TYPES[spec.kind]
    return {
        "name": spec.name,
        "label": spec.label,
        "type": kind,
        "fieldType": field_type,
        "groupName": GROUP,
        "description": "Written by accountsync.",
    }


def _problems(connection: str, obj: str, schema: ObjectSchema, fields: Sequence[FieldSpec]) -> None:
    problems = []
    for spec in fields:
        if not _NAME.match(spec.name):
            problems.append(f"`{spec.name}` is not a valid HubSpot property name (lower case, digits, `_`)")
            continue
        existing = schema.fields.get(spec.name)
        if existing is not None and existing.type not in COMPATIBLE_TYPES[spec.kind]:
            wanted = PROPERTY_TYPES[spec.kind][0]
            problems.append(
                f"property `{spec.name}` on {obj} exists with type `{existing.type}`, "
                f"but {spec.kind} values need type `{wanted}`"
            )
    if problems:
        raise ProvisioningError(connection, "; ".join(problems))


def _ensure_group(transport: Transport, groups_api: Any, obj: str) -> None:
    reply = transport.call(f"list {obj} property groups", groups_api.get_all, obj)
    names = {group.get("name") for group in (reply.body or {}).get("results") or []}
    if GROUP in names:
        return
    body = {"name": GROUP, "label": GROUP_LABEL, "displayOrder": -1}
    try:
        transport.call(f"create {obj} property group {GROUP}", groups_api.create, obj, body)
    except FatalError as exc:
        if exc.status != 409:  # taken meanwhile: fine
            raise


def create_missing_properties(transport: Transport, apis: Any, obj: str, fields: Sequence[FieldSpec]) -> list[str]:
    """Create the fields `obj` lacks; return their names. Existing compatible ones are left alone.

    Raises:
        ProvisioningError: a field exists with an incompatible type, or has an invalid name.
    """
    schema = fetch_schema(transport, apis.properties, obj)
    _problems(transport.connection, obj, schema, fields)
    missing = [spec for spec in fields if spec.name not in schema.fields]
    if not missing:
        return []
    _ensure_group(transport, apis.groups, obj)
    for spec in missing:
        try:
            transport.call(f"create {obj} property {spec.name}", apis.properties.create, obj, property_body(spec))
        except FatalError as exc:
            if exc.status != 409:
                raise
            # Created meanwhile, or archived under that name: check what exists now.
            now = fetch_schema(transport, apis.properties, obj)
            _problems(transport.connection, obj, now, [spec])
            if spec.name not in now.fields:
                message = f"property `{spec.name}` on {obj} cannot be created: {exc.detail} (restore or purge it)"
                raise ProvisioningError(transport.connection, message) from None
    return [spec.name for spec in missing]
