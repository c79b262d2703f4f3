"""Record writes as Salesforce validates them: decode a JSON body, check each record, then apply or roll back.

Whole-request problems (an unknown field, a value of the wrong JSON type) raise `ApiError` as the REST
deserializer does; per-record problems raise `RecordError`, which sObject Collections turns into one
failed result among the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.schema import SYSTEM_FIELDS, FieldDef
from sandbox.salesforce.store import DELETED, LIVE, Table
from sandbox.salesforce.values import parse_date_input, parse_datetime_input, to_days, to_ms

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

HISTORY_TRACKED: Final = ("StageName", "Amount", "CloseDate")
UNEDITABLE: Final = (
    "Unable to create/update fields: {names}. Please check the security settings of this field and verify "
    "that it is read/write for your profile or permission set."
)


class RecordError(ApiError):
    """One record refused (sObject Collections reports it in that record's result)."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(400, code, message, fields)

    def result(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or ())}


@dataclass(slots=True)
class Change:
    """A validated write, not yet applied: `row` None creates a record."""

    table: Table
    row: int | None
    values: dict[str, Any] = field(default_factory=dict)
    upsert: bool = False  # answered with "created" (upserts by external id)


def decode(table: Table, body: dict[str, Any]) -> dict[str, tuple[FieldDef, Any]]:
    """JSON field values -> (field, raw value); unknown fields and wrong JSON types fail the whole request."""
    out: dict[str, tuple[FieldDef, Any]] = {}
    definition = table.definition
    for key, value in body.items():
        if key == "attributes" or key.lower() == "id":
            continue
        found = definition.field(key)
        if found is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {definition.name}")
        out[found.name] = (found, convert(found, value))
    return out


def convert(definition: FieldDef, value: Any) -> Any:
    kind = definition.storage
    if value is None:
        return None
    converted: Any = None
    if kind in {"str", "id", "ref"} and isinstance(value, str | int | float) and not isinstance(value, bool):
        converted = str(value)
    elif kind == "float" and not isinstance(value, bool):
        converted = _number(value, float)
    elif kind == "int" and not isinstance(value, bool):
        converted = _number(value, int)
    elif kind == "bool":
        converted = value if isinstance(value, bool) else {"true": True, "false": False}.get(str(value).lower())
    elif kind == "date" and isinstance(value, str):
        day = parse_date_input(value)
        converted = None if day is None else to_days(day)
    elif kind == "datetime" and isinstance(value, str):
        moment = parse_datetime_input(value)
        converted = None if moment is None else to_ms(moment)
    if converted is None:
        shown = {"float": "double", "int": "int", "bool": "boolean", "date": "date", "datetime": "datetime"}
        raise ApiError(
            400, "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {shown.get(kind, 'string')} from VALUE_STRING value {value} or "
            "request may be missing a required field",
        )  # fmt: skip
    return converted


def _number(value: Any, kind: type) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if kind is int:
        return int(number) if number == int(number) else None
    return number


def prepare(org: SalesforceOrg, table: Table, row: int | None, fields: dict[str, tuple[FieldDef, Any]]) -> Change:
    """Check one record's write; raise RecordError as Salesforce would for that record."""
    definition = table.definition
    if row is not None:
        org.check_writable(table, row)
    flag = "updateable" if row is not None else "createable"
    blocked = [f.name for f, _ in fields.values() if not getattr(f, flag) or not definition.editable(f)]
    if blocked:
        raise RecordError(
            "INVALID_FIELD_FOR_INSERT_UPDATE", UNEDITABLE.format(names=", ".join(blocked)), tuple(blocked)
        )
    change = Change(table, row)
    for name, (definition_of, raw) in fields.items():
        change.values[name] = _validated(org, definition_of, raw)
    missing = _missing_required(table, change)
    if missing:
        raise RecordError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
    org.check_rules(table, row)
    org.validate(change)
    return change


def _validated(org: SalesforceOrg, definition: FieldDef, raw: Any) -> Any:
    if raw is None or (raw == "" and definition.is_text):  # an empty text value is stored as null
        return None
    if definition.storage == "ref":
        return _reference(org, definition, raw)
    if definition.is_text and definition.length and len(raw) > definition.length:
        message = f"{definition.label}: data value too large: {raw} (max length={definition.length})"
        raise RecordError("STRING_TOO_LONG", message, (definition.name,))
    return raw


def _reference(org: SalesforceOrg, definition: FieldDef, raw: str) -> int:
    record_id = canonical(raw)
    target = org.table(definition.reference_to[0])
    if record_id is None:
        raise RecordError("MALFORMED_ID", f"{definition.label}: id value of incorrect type: {raw}", (definition.name,))
    if not record_id.startswith(target.prefix):
        message = f"{definition.label}: id value of incorrect type: {raw}"
        raise RecordError("FIELD_INTEGRITY_EXCEPTION", message, (definition.name,))
    row = target.row_of(record_id)
    if row is None:
        raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (definition.name,))
    if target.state[row] == DELETED:
        raise RecordError("ENTITY_IS_DELETED", "entity is deleted", (definition.name,))
    return row


def _missing_required(table: Table, change: Change) -> tuple[str, ...]:
    required = [
        f for f in table.definition.fields()
        if not f.nillable and f.createable and not f.defaulted_on_create and f.name not in SYSTEM_FIELDS
        and f.name not in {"OwnerId", "CurrencyIsoCode"}
    ]  # fmt: skip
    if change.row is None:
        return tuple(f.name for f in required if change.values.get(f.name) is None)
    return tuple(f.name for f in required if f.name in change.values and change.values[f.name] is None)


def apply(org: SalesforceOrg, change: Change, user: int, stamp: int | None = None) -> int:
    """Write a prepared change; bump the audit fields; returns the row."""
    table = change.table
    now = stamp if stamp is not None else org.clock.stamp()
    audit = {"SystemModstamp": now, "LastModifiedDate": now, "LastModifiedById": user}
    if change.row is None:
        defaults = {"OwnerId": user, "CurrencyIsoCode": "USD", "CreatedDate": now, "CreatedById": user}
        values = {k: v for k, v in defaults.items() if k in table.columns} | change.values | audit
        row = table.append(values)
        org.index_row(table, row)
        _track_history(org, table, row, set(change.values) | {"StageName"}, now)
        org.after_write(table)
        return row
    row = change.row
    before = {name: table.get(row, name) for name in change.values}
    org.unindex_row(table, row)
    for name, value in change.values.items():
        table.set(row, name, value)
    if "StageName" in change.values and "Probability" not in change.values and "Probability" in table.columns:
        getattr(table.columns["Probability"], "overrides", {}).pop(row, None)
    for name, value in audit.items():
        if name in table.columns:
            table.set(row, name, value)
    org.index_row(table, row)
    changed = {name for name, value in before.items() if value != table.get(row, name)}
    _track_history(org, table, row, changed, now)
    org.after_write(table)
    return row


def _track_history(org: SalesforceOrg, table: Table, row: int, changed: set[str], now: int) -> None:
    """Opportunity stage, amount and close date changes add an OpportunityHistory row, as in a real org."""
    if table.definition.name != "Opportunity" or not changed.intersection(HISTORY_TRACKED):
        return
    history = org.table("OpportunityHistory")
    history.append({"OpportunityId": row, "StageName": table.get(row, "StageName"), "CreatedDate": now})


def delete(org: SalesforceOrg, table: Table, row: int, user: int, stamp: int | None = None) -> None:
    """Soft-delete a record and what Salesforce cascades with it (an account's opportunities)."""
    now = stamp if stamp is not None else org.clock.stamp()
    for child_table, child in org.children(table, row):
        if child_table.state[child] == LIVE:
            delete(org, child_table, child, user, now)
    org.unindex_row(table, row)
    table.state[row] = DELETED
    table.deleted_at[row] = now
    for name, value in (("SystemModstamp", now), ("LastModifiedDate", now), ("LastModifiedById", user)):
        if name in table.columns:
            table.set(row, name, value)
    org.after_write(table)
