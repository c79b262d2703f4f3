"""REST resources around sObjects: versions, describe, records by id or external id, getDeleted, limits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce import dml
from sandbox.salesforce.describe import basic_info, describe, describe_global
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.records import leaf_getter
from sandbox.salesforce.store import DELETED, Table
from sandbox.salesforce.values import datetime_text, parse_datetime_input, to_ms
from sandbox.salesforce.wire import Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

MIN_VERSION: Final = 31
MAX_VERSION: Final = 67  # Summer '26, the newest in the REST API Developer Guide's version list
SEASONS: Final = ("Winter", "Spring", "Summer")  # v59 Winter '24, v60 Spring '24, v61 Summer '24
DELETED_ID_LIMIT: Final = 600_000
REPLICATION_REACH_MS: Final = 30 * 86_400_000
RESOURCES: Final = (
    "tooling", "metadata", "eclair", "folders", "prechatForms", "tabs", "appMenu", "quickActions", "queryAll",
    "commerce", "wave", "iot", "analytics", "search", "identity", "composite", "parameterizedSearch", "theme",
    "nouns", "event", "serviceTemplates", "recent", "connect", "licensing", "limits", "process", "async-queries",
    "query", "match", "emailConnect", "compactLayouts", "knowledgeManagement", "sobjects", "actions", "support",
    "jobs",
)  # fmt: skip


def version_label(version: int) -> str:
    return f"{SEASONS[(version - 59) % 3]} '{24 + (version - 59) // 3:02d}"


def versions() -> list[dict[str, str]]:
    """GET /services/data/: every API version this org answers."""
    return [
        {"label": version_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(MIN_VERSION, MAX_VERSION + 1)
    ]


def known_version(text: str) -> bool:
    return text in {f"{v}.0" for v in range(MIN_VERSION, MAX_VERSION + 1)}


def resources(org: SalesforceOrg, call: Call) -> Reply:
    base = f"/services/data/v{call.version}"
    body = {name: f"{base}/{name}" for name in RESOURCES}
    body["identity"] = f"{call.base_url}/id/{org.org_id}/{org.table('User').id_of(call.user)}"
    return Reply(body=body)


def limits(org: SalesforceOrg) -> Reply:
    remaining = max(0, org.access.daily_max - org.access.used)

    def pair(maximum: int, left: int | None = None) -> dict[str, int]:
        return {"Max": maximum, "Remaining": maximum if left is None else left}

    return Reply(body={
        "ConcurrentAsyncGetReportInstances": pair(200), "ConcurrentSyncReportRuns": pair(20),
        "DailyApiRequests": pair(org.access.daily_max, remaining), "DailyAsyncApexExecutions": pair(250000),
        "DailyBulkApiBatches": pair(15000), "DailyBulkV2QueryFileStorageMB": pair(976562),
        "DailyBulkV2QueryJobs": pair(10000), "DataStorageMB": pair(1024), "FileStorageMB": pair(2048),
        "HourlyTimeBasedWorkflow": pair(1000), "MassEmail": pair(5000), "SingleEmail": pair(5000),
    })  # fmt: skip


def sobjects(org: SalesforceOrg, call: Call) -> Reply:
    """Everything under /sobjects."""
    parts, method = call.parts[1:], call.method
    if not parts:
        return Reply(body=describe_global(org.schema, call.version))
    table = _table(org, parts[0])
    obj = table.definition
    if len(parts) == 1:
        if method == "POST":
            return _create(org, call, table)
        return Reply(body=basic_info(obj, call.version))
    if parts[1] == "describe" and len(parts) == 2:
        return Reply(body=describe(obj, org.schema, call.version))
    if parts[1] in {"deleted", "updated"} and len(parts) == 2:
        return _replication(org, call, table, parts[1])
    if len(parts) == 3:
        return _by_external_id(org, call, table, parts[1], parts[2])
    if len(parts) == 2:
        return _by_id(org, call, table, parts[1])
    raise not_found()


def _table(org: SalesforceOrg, name: str) -> Table:
    table = org.by_name.get(name.lower())
    if table is None:
        raise not_found()
    return table


def record_json(org: SalesforceOrg, call: Call, table: Table, row: int, names: list[str] | None) -> dict[str, Any]:
    obj = table.definition
    fields = [obj.field(n) for n in names] if names else list(obj.fields())
    base = f"/services/data/v{call.version}/sobjects/{obj.name}/{table.id_of(row)}"
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": base}}
    for definition in fields:
        if definition is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column on entity '{obj.name}'")
        out[definition.name] = leaf_getter(table, definition, org.by_name)(row)
    return out


def _live_row(table: Table, raw: str) -> int:
    record_id = canonical(raw)
    row = table.row_of(record_id) if record_id else None
    if record_id is None:
        raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {raw}")
    if row is None:
        raise not_found()
    if table.state[row] == DELETED:
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", ())
    return row


def _by_id(org: SalesforceOrg, call: Call, table: Table, raw: str) -> Reply:
    row = _live_row(table, raw)
    if call.method == "GET":
        names = [n for n in call.params.get("fields", "").split(",") if n.strip()]
        return Reply(body=record_json(org, call, table, row, [n.strip() for n in names] or None), records=1)
    if call.method == "PATCH":
        change = dml.prepare(org, table, row, dml.decode(table, call.json_object()))
        dml.apply(org, change, call.user)
        return Reply(204)
    if call.method == "DELETE":
        if not table.definition.flags["deletable"]:
            raise ApiError(
                400, "INVALID_TYPE_FOR_OPERATION", f"entity type {table.definition.name} does not support delete"
            )
        org.check_writable(table, row)
        dml.delete(org, table, row, call.user)
        return Reply(204)
    raise ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed. Allowed are GET,PATCH,DELETE")


def _create(org: SalesforceOrg, call: Call, table: Table) -> Reply:
    if not table.definition.flags["createable"]:
        raise ApiError(
            400, "INVALID_TYPE_FOR_OPERATION", f"entity type {table.definition.name} does not support insert"
        )
    change = dml.prepare(org, table, None, dml.decode(table, call.json_object()))
    row = dml.apply(org, change, call.user)
    return Reply(201, {"id": table.id_of(row), "success": True, "errors": []}, headers=_location(call, table, row))


def _location(call: Call, table: Table, row: int) -> dict[str, str]:
    """A created record's URL, sent as `Location` with the 201."""
    return {"Location": f"/services/data/v{call.version}/sobjects/{table.definition.name}/{table.id_of(row)}"}


def external_field(table: Table, name: str) -> str:
    """The external-id field `name` of `table` (or Id), else NOT_FOUND as Salesforce answers."""
    found = table.definition.field(name)
    if found is None or not (found.external_id or found.type == "id"):
        raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {name}")
    return found.name


def _by_external_id(org: SalesforceOrg, call: Call, table: Table, field: str, value: str) -> Reply:
    name = external_field(table, field)
    if name == "Id" and call.method != "PATCH":
        return _by_id(org, call, table, value)
    rows = [_live_row(table, value)] if name == "Id" else org.external_rows(table, name, value)
    if len(rows) > 1:
        urls = [f"/services/data/v{call.version}/sobjects/{table.definition.name}/{table.id_of(r)}" for r in rows]
        return Reply(300, urls)
    if call.method == "PATCH":
        body = call.json_object()
        fields = dml.decode(table, body)
        if name != "Id":
            fields.setdefault(name, (table.definition.field(name), value))  # type: ignore[arg-type]
        change = dml.prepare(org, table, rows[0] if rows else None, fields)
        row = dml.apply(org, change, call.user)
        result = {"id": table.id_of(row), "success": True, "errors": [], "created": not rows}
        return Reply(200, result) if rows else Reply(201, result, headers=_location(call, table, row))
    if not rows:
        raise not_found()
    return _by_id(org, call, table, table.id_of(rows[0]))


def _replication(org: SalesforceOrg, call: Call, table: Table, which: str) -> Reply:
    """GET /sobjects/{T}/deleted|updated/?start=&end= (seconds are ignored, as in the SOAP calls)."""
    start, end = (parse_datetime_input(call.params.get(k, "")) for k in ("start", "end"))
    if start is None or end is None:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate and endDate must be valid dateTime values")
    start_ms = to_ms(start - timedelta(seconds=start.second, microseconds=start.microsecond))
    end_ms = to_ms(end - timedelta(seconds=end.second, microseconds=end.microsecond))
    now = org.clock.now()
    if end_ms <= start_ms:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
    if start_ms < org.reference_now() - REPLICATION_REACH_MS:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
    covered = min(end_ms, now - now % 60_000)
    if which == "updated":
        stamp = table.columns["SystemModstamp"].get
        ids = [table.id_of(r) for r in table.rows(False) if start_ms <= (stamp(r) or 0) < covered]
        return Reply(body={"ids": ids, "latestDateCovered": datetime_text(covered)})
    org.purge()
    gone = sorted((at, r) for r, at in table.deleted_at.items() if start_ms <= at < covered)
    if len(gone) > DELETED_ID_LIMIT:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "ID limit exceeded: narrow the date range")
    return Reply(body={
        "deletedRecords": [{"id": table.id_of(r), "deletedDate": datetime_text(at)} for at, r in gone],
        "earliestDateAvailable": datetime_text(org.earliest_available),
        "latestDateCovered": datetime_text(covered),
    })  # fmt: skip
