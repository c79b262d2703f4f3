"""Tooling API: CustomField create/read/delete and tooling queries; a new field has no FLS until granted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.querying import start_query
from sandbox.salesforce.schema import FieldDef, ObjectDef, flag, read_only, stamp, text
from sandbox.salesforce.store import DELETED, LIVE, Table
from sandbox.salesforce.wire import Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

# Metadata API field types -> (describe type, default length, precision, scale)
FIELD_TYPES: Final = {
    "Number": ("double", 0, 18, 0),
    "Currency": ("currency", 0, 18, 2),
    "Percent": ("percent", 0, 3, 0),
    "Text": ("string", 255, 0, 0),
    "LongTextArea": ("textarea", 32768, 0, 0),
    "Date": ("date", 0, 0, 0),
    "DateTime": ("datetime", 0, 0, 0),
    "Checkbox": ("boolean", 0, 0, 0),
}


def custom_field_object() -> ObjectDef:
    fields = (
        read_only(FieldDef("Id", "id", "Custom Field Definition ID", length=18), nillable=False),
        read_only(text("DeveloperName", "Field Name", 40)),
        read_only(text("TableEnumOrId", "Table Enum or ID", 40)),
        read_only(text("NamespacePrefix", "Namespace Prefix", 15)),
        read_only(text("Description", "Description", 1000)),
        read_only(flag("IsDeleted", "Deleted")),
        read_only(stamp("CreatedDate", "Created Date")),
        read_only(stamp("LastModifiedDate", "Last Modified Date")),
    )
    return ObjectDef("CustomField", "Custom Field Definition", "Custom Field Definitions", "00N", fields)


@dataclass(slots=True)
class Tooling:
    """The tooling side of the org: CustomField rows and the Metadata each was created with."""

    tables: dict[str, Table] = field(default_factory=lambda: {"customfield": Table(custom_field_object())})
    metadata: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def fields(self) -> Table:
        return self.tables["customfield"]

    def register(self, obj: ObjectDef, definition: FieldDef, metadata: dict[str, Any], now: int) -> int:
        row = self.fields.append({
            "DeveloperName": definition.name.removesuffix("__c"), "TableEnumOrId": obj.name,
            "Description": metadata.get("description"), "CreatedDate": now, "LastModifiedDate": now,
        })  # fmt: skip
        self.metadata[row] = {"fullName": f"{obj.name}.{definition.name}", **metadata}
        return row


def tooling(org: SalesforceOrg, call: Call) -> Reply:
    """Dispatch /tooling/query and /tooling/sobjects/CustomField[/{id}]."""
    rest = call.parts[1:]
    if rest[:1] == ("query",) and call.method == "GET":
        return _query(org, call)
    if rest[:2] != ("sobjects", "CustomField"):
        raise not_found()
    if len(rest) == 2 and call.method == "POST":
        return _create(org, call)
    if len(rest) == 3:
        row = _row(org, rest[2])
        if call.method == "GET":
            return Reply(body=_record(org, call, row))
        if call.method == "DELETE":
            return _delete(org, row)
    raise not_found()


def _query(org: SalesforceOrg, call: Call) -> Reply:
    return start_query(org, call, include_deleted=False, tables=org.tooling.tables)


def _create(org: SalesforceOrg, call: Call) -> Reply:
    body = call.json_object()
    full_name, metadata = str(body.get("FullName", "")), body.get("Metadata") or {}
    obj_name, _, name = full_name.partition(".")
    obj = org.schema.get(obj_name)
    if obj is None or not name.endswith("__c") or not isinstance(metadata, dict):
        raise ApiError(400, "INVALID_INPUT", f"Invalid FullName: {full_name}")
    if obj.stored(name) is not None and name not in obj.removed:
        message = f"There is already a field named {name.removesuffix('__c')} on {obj.name}."
        raise ApiError(400, "DUPLICATE_DEVELOPER_NAME", message, ())
    definition = _definition(name, metadata)
    table = org.table(obj.name)
    if obj.stored(name) is None:
        obj.add(definition)
        table.add_column(definition)
    obj.removed.discard(name)
    row = org.tooling.register(obj, definition, metadata, org.clock.stamp())
    org.after_write(org.table("FieldPermissions"))  # no grant yet: the field stays unreadable
    record_id = org.tooling.fields.id_of(row)
    return Reply(201, {"id": record_id, "success": True, "errors": [], "warnings": [], "infos": []})


def _definition(name: str, metadata: dict[str, Any]) -> FieldDef:
    kind = metadata.get("type")
    if kind not in FIELD_TYPES:
        raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"Invalid or unsupported field type: {kind}")
    label = metadata.get("label")
    if not label:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [label]", ("label",))
    sf_type, length, precision, scale = FIELD_TYPES[kind]
    return FieldDef(
        name, sf_type, str(label), length=int(metadata.get("length") or length),
        precision=int(metadata.get("precision") or precision), scale=int(metadata.get("scale") or scale),
        nillable=sf_type != "boolean", custom=True, external_id=bool(metadata.get("externalId")),
        unique=bool(metadata.get("unique")), defaulted_on_create=sf_type == "boolean",
    )  # fmt: skip


def _row(org: SalesforceOrg, raw: str) -> int:
    record_id = canonical(raw)
    row = org.tooling.fields.row_of(record_id) if record_id else None
    if row is None or org.tooling.fields.state[row] != LIVE:
        raise not_found()
    return row


def _record(org: SalesforceOrg, call: Call, row: int) -> dict[str, Any]:
    fields = org.tooling.fields
    record_id = fields.id_of(row)
    metadata = dict(org.tooling.metadata[row])
    return {
        "attributes": {
            "type": "CustomField", "url": f"/services/data/v{call.version}/tooling/sobjects/CustomField/{record_id}",
        },
        "Id": record_id, "DeveloperName": fields.get(row, "DeveloperName"),
        "TableEnumOrId": fields.get(row, "TableEnumOrId"), "FullName": metadata.pop("fullName"),
        "Metadata": metadata,
    }  # fmt: skip


def _delete(org: SalesforceOrg, row: int) -> Reply:
    fields = org.tooling.fields
    obj = org.schema.get(str(fields.get(row, "TableEnumOrId")))
    if obj is not None:
        obj.removed.add(f"{fields.get(row, 'DeveloperName')}__c")
    fields.state[row] = DELETED
    return Reply(204)
