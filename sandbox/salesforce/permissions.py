"""Field-level security: a custom field is readable or editable for the integration user only once a
FieldPermissions row of one of its permission sets grants it, as in a real org."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.salesforce.dml import Change, RecordError

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg


def assigned_sets(org: SalesforceOrg, user: int) -> set[int]:
    """PermissionSet rows assigned to `user` (the profile's own set included)."""
    assignments = org.table("PermissionSetAssignment")
    return {
        assignments.get(r, "PermissionSetId")
        for r in assignments.rows(include_deleted=False)
        if assignments.get(r, "AssigneeId") == user
    }


def refresh(org: SalesforceOrg) -> None:
    """Recompute which custom fields the integration user may read and edit."""
    sets = assigned_sets(org, org.user)
    grants = org.table("FieldPermissions")
    readable: set[str] = set()
    editable: set[str] = set()
    for row in grants.rows(include_deleted=False):
        if grants.get(row, "ParentId") not in sets:
            continue
        field = str(grants.get(row, "Field"))
        if grants.get(row, "PermissionsRead") or grants.get(row, "PermissionsEdit"):
            readable.add(field)
        if grants.get(row, "PermissionsEdit"):
            editable.add(field)
    for obj in org.schema:
        for definition in obj.all_fields():
            if not definition.custom:
                continue
            full = f"{obj.name}.{definition.name}"
            _toggle(obj.unreadable, definition.name, full not in readable)
            _toggle(obj.read_only, definition.name, full in readable and full not in editable)


def _toggle(names: set[str], name: str, present: bool) -> None:
    if present:
        names.add(name)
    else:
        names.discard(name)


def validate(org: SalesforceOrg, change: Change) -> None:
    """A FieldPermissions write must name an existing, permissionable field, once per permission set."""
    table = change.table
    row = change.row
    values = {n: (change.values[n] if n in change.values else table.get(row, n) if row is not None else None)
              for n in ("ParentId", "SobjectType", "Field")}  # fmt: skip
    field = str(values["Field"] or "")
    obj_name, _, field_name = field.partition(".")
    obj = org.schema.get(obj_name)
    definition = obj.stored(field_name) if obj else None
    if obj is None or definition is None or field_name in obj.removed or not definition.nillable:
        message = f"Field Name: bad value for restricted picklist field: {field}"
        raise RecordError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, ("Field",))
    if str(values["SobjectType"] or "") != obj.name:
        message = f"Sobject Type Name: bad value for restricted picklist field: {values['SobjectType']}"
        raise RecordError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, ("SobjectType",))
    for other in table.rows(include_deleted=False):
        if other != row and table.get(other, "Field") == field and table.get(other, "ParentId") == values["ParentId"]:
            message = f"duplicate value found: <unknown> duplicates value on record with id: {table.id_of(other)}"
            raise RecordError("DUPLICATE_VALUE", message)
