"""sObject Collections (/composite/sobjects): up to 200 records a call, one result per record, in order.

A record the org refuses (its type, a field, a value, a rule) fails in its own result inside the 200; only
the request itself (no records array, more than 200) is a top-level 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce import dml
from sandbox.salesforce.dml import Change, RecordError
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.rest import external_field, record_json
from sandbox.salesforce.store import DELETED, Table
from sandbox.salesforce.wire import Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

MAX_RECORDS: Final = 200
ROLLED_BACK: Final = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}
Prepared = tuple[Change | None, RecordError | None, str | None]  # change, error, id to report on rollback


def collections(org: SalesforceOrg, call: Call) -> Reply:
    """Dispatch /composite/sobjects[/{T}[/{ExtIdField}]] by method."""
    rest = call.parts[2:]
    if call.method == "DELETE" and not rest:
        return _delete(org, call)
    if call.method == "GET" and len(rest) == 1:
        return _retrieve(org, call, org.table(rest[0]))
    if call.method == "PATCH" and len(rest) == 2:
        table = org.table(rest[0])
        return _write(org, call, lambda record: _prepare_upsert(org, table, external_field(table, rest[1]), record))
    if call.method in {"PATCH", "POST"} and not rest:
        update = call.method == "PATCH"
        return _write(org, call, lambda record: _prepare_save(org, record, update))
    raise not_found()


def _records(call: Call) -> tuple[list[dict[str, Any]], bool]:
    body = call.json_object()
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiError(400, "INVALID_FIELD", "A records array is required")
    if len(records) > MAX_RECORDS:
        raise ApiError(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    return records, bool(body.get("allOrNone", False))


def _record_type(org: SalesforceOrg, record: dict[str, Any]) -> Table:
    kind = (record.get("attributes") or {}).get("type")
    if not kind:
        raise ApiError(400, "INVALID_TYPE", "Must specify a type in the attributes of the record")
    table = org.by_name.get(str(kind).lower())
    if table is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{kind}' is not supported.")
    return table


def _write(org: SalesforceOrg, call: Call, prepare: Callable[[dict[str, Any]], Prepared]) -> Reply:
    records, all_or_none = _records(call)
    if all_or_none:
        prepared = [prepare(r) for r in records]
        if any(error for _, error, _ in prepared):
            return Reply(body=[_rolled_back(error, rid) for _, error, rid in prepared], records=len(records))
        return Reply(body=[_applied(org, call, change) for change, _, _ in prepared], records=len(records))
    results = []
    for record in records:
        change, error, _ = prepare(record)
        results.append(_failed(error) if error else _applied(org, call, change))
    return Reply(body=results, records=len(records))


def _applied(org: SalesforceOrg, call: Call, change: Change | None) -> dict[str, Any]:
    assert change is not None
    created = change.row is None
    row = dml.apply(org, change, call.user)
    result: dict[str, Any] = {"id": change.table.id_of(row), "success": True, "errors": []}
    if change.upsert:
        result["created"] = created
    return result


def _failed(error: RecordError | None) -> dict[str, Any]:
    return {"success": False, "errors": [error.result()] if error else []}


def _rolled_back(error: RecordError | None, record_id: str | None) -> dict[str, Any]:
    if error is not None:
        return _failed(error)
    out: dict[str, Any] = {"id": record_id} if record_id else {}
    return out | {"success": False, "errors": [ROLLED_BACK]}


def _one_record(error: ApiError) -> RecordError:
    """A refusal of one record's content (type, field) reported in its result, not as the call's 400."""
    return error if isinstance(error, RecordError) else RecordError(error.code, error.message, error.fields or ())


def _prepare_save(org: SalesforceOrg, record: dict[str, Any], update: bool) -> Prepared:
    try:
        table = _record_type(org, record)
        fields = dml.decode(table, record)
        raw_id = record.get("id", record.get("Id"))
        row = _row_for_update(table, raw_id) if update else None
        if not update and not table.definition.flags["createable"]:
            raise RecordError(
                "INVALID_TYPE_FOR_OPERATION", f"entity type {table.definition.name} does not support insert"
            )
        change = dml.prepare(org, table, row, fields)
    except ApiError as error:
        return None, _one_record(error), None
    return change, None, table.id_of(row) if row is not None else None


def _row_for_update(table: Table, raw_id: Any) -> int:
    record_id = canonical(str(raw_id)) if raw_id else None
    if raw_id is None:
        raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
    if record_id is None or not record_id.startswith(table.prefix):
        raise RecordError("MALFORMED_ID", f"malformed id {raw_id}")
    row = table.row_of(record_id)
    if row is None:
        raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    return row


def _prepare_upsert(org: SalesforceOrg, table: Table, field: str, record: dict[str, Any]) -> Prepared:
    try:
        fields = dml.decode(table, record)
        value = fields.get(field, (None, None))[1]
        if value is None:
            raise RecordError("MISSING_ARGUMENT", f"{field} not specified", (field,))
        rows = org.external_rows(table, field, str(value))
        if len(rows) > 1:
            found = ", ".join(table.id_of(r) for r in rows)
            message = f"{field}: more than one record found for external id field: [{found}]"
            raise RecordError("DUPLICATE_EXTERNAL_ID", message, (field,))
        if rows:
            fields.pop(field)
        change = dml.prepare(org, table, rows[0] if rows else None, fields)
    except ApiError as error:
        return None, _one_record(error), None
    change.upsert = True
    return change, None, table.id_of(rows[0]) if rows else None


def _delete(org: SalesforceOrg, call: Call) -> Reply:
    raw_ids = [i for i in call.params.get("ids", "").split(",") if i]
    if len(raw_ids) > MAX_RECORDS:
        raise ApiError(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    results = []
    for raw in raw_ids:
        record_id = canonical(raw)
        table = next((t for t in org.by_name.values() if record_id and record_id.startswith(t.prefix)), None)
        row = table.row_of(record_id) if table and record_id else None
        if table is None or row is None:
            malformed = RecordError("MALFORMED_ID", f"malformed id {raw}")
            unknown = RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            results.append(_failed(malformed if record_id is None else unknown))
            continue
        try:
            org.check_writable(table, row)
        except RecordError as error:
            results.append(_failed(error))
            continue
        dml.delete(org, table, row, call.user)
        results.append({"id": table.id_of(row), "success": True, "errors": []})
    return Reply(body=results)


def _retrieve(org: SalesforceOrg, call: Call, table: Table) -> Reply:
    names = [n.strip() for n in call.params.get("fields", "").split(",") if n.strip()]
    out: list[Any] = []
    for raw in (i for i in call.params.get("ids", "").split(",") if i):
        record_id = canonical(raw)
        row = table.row_of(record_id) if record_id else None
        alive = row is not None and table.state[row] != DELETED
        out.append(record_json(org, call, table, row, names or None) if alive and row is not None else None)
    return Reply(body=out)
