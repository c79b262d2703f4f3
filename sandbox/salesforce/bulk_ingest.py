"""Bulk API 2.0 ingest jobs: create, upload CSV, close, process per record, result CSVs."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce import dml
from sandbox.salesforce.bulk_query import DELIMITERS, LINE_ENDINGS, abort, delete
from sandbox.salesforce.dml import RecordError
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.jobs import FINAL_STATES, Job
from sandbox.salesforce.records import csv_line
from sandbox.salesforce.rest import external_field
from sandbox.salesforce.store import Table
from sandbox.salesforce.wire import CSV, Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

OPERATIONS: Final = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
RESULT_KINDS: Final = {"successfulresults": "ok", "failedresults": "failed", "unprocessedrecords": "unprocessed"}


def ingest_jobs(org: SalesforceOrg, call: Call) -> Reply:
    """Dispatch /jobs/ingest[/{id}[/batches|/successfulResults|/failedResults|/unprocessedrecords]]."""
    rest = call.parts[2:]
    if not rest:
        if call.method == "POST":
            return _create(org, call)
        jobs = [j.info() for j in org.jobs.by_id.values() if j.kind == "ingest"]
        return Reply(body={"done": True, "records": jobs, "nextRecordsUrl": None})
    job = org.jobs.get(rest[0], "ingest")
    if job is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    if len(rest) == 2 and rest[1] == "batches" and call.method == "PUT":
        return _upload(job, call)
    if len(rest) == 2 and rest[1].lower() in RESULT_KINDS and call.method == "GET":
        return _results(job, RESULT_KINDS[rest[1].lower()])
    if len(rest) == 1:
        return _job(org, call, job)
    raise not_found()


def _job(org: SalesforceOrg, call: Call, job: Job) -> Reply:
    if call.method == "GET":
        job.polls += 1
        advance(org, job)
        return Reply(body=job.status())
    if call.method == "PATCH":
        if call.json_object().get("state") == "UploadComplete":
            if job.state != "Open":
                raise ApiError(400, "INVALIDJOBSTATE", f"Job is not open: {job.state}")
            job.state, job.modified_ms = "UploadComplete", org.clock.now()
            return Reply(body=job.info())
        return Reply(body=abort(org, call, job))
    if call.method == "DELETE":
        return delete(org, job)
    raise not_found()


def _create(org: SalesforceOrg, call: Call) -> Reply:
    body = call.json_object()
    operation, name = body.get("operation"), str(body.get("object", ""))
    if operation not in OPERATIONS:
        raise ApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
    table = org.by_name.get(name.lower())
    if table is None:
        raise ApiError(400, "INVALIDENTITY", f"Entity '{name}' is not supported by the Bulk API.")
    external = body.get("externalIdFieldName")
    if operation == "upsert":
        if not external:
            raise ApiError(400, "INVALIDJOB", "External ID was blank for upsert")
        external = external_field(table, str(external))
    delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in LINE_ENDINGS:
        raise ApiError(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    now = org.clock.now()
    job = Job(
        id=org.jobs.new_id(), kind="ingest", operation=operation, object=table.definition.name,
        api_version=call.version, created_by=org.table("User").id_of(call.user), created_ms=now, state="Open",
        line_ending=ending, column_delimiter=delimiter, external_id_field=external, modified_ms=now,
    )  # fmt: skip
    job.runner = call.user
    return Reply(body=org.jobs.add(job).info())


def _upload(job: Job, call: Call) -> Reply:
    if job.state != "Open":
        raise ApiError(400, "INVALIDJOBSTATE", f"Job is not open for uploads: {job.state}")
    job.uploads.append(call.body.decode("utf-8-sig"))
    return Reply(201, None, CSV)


def advance(org: SalesforceOrg, job: Job) -> None:
    """UploadComplete -> InProgress -> JobComplete, processing every uploaded row at completion."""
    if job.state in FINAL_STATES or job.state == "Open":
        return
    if job.state == "UploadComplete":
        job.state = "InProgress"
    elif job.due():
        if job.fail_with:
            job.state, job.error_message = "Failed", job.fail_with
        else:
            _process(org, job)
    job.modified_ms = org.clock.now()


def _rows(job: Job) -> tuple[list[str], list[list[str]]]:
    delimiter = DELIMITERS[job.column_delimiter]
    header: list[str] = []
    rows: list[list[str]] = []
    for upload in job.uploads:
        reader = csv.reader(io.StringIO(upload), delimiter=delimiter)
        first = next(reader, [])
        header = header or first
        rows.extend(r for r in reader if r)
    return header, rows


def _process(org: SalesforceOrg, job: Job) -> None:
    table = org.table(job.object)
    header, rows = _rows(job)
    job.header = header
    unknown = [h for h in header if table.definition.field(h) is None]
    if not header or unknown:
        job.state = "Failed"
        job.error_message = f"InvalidBatch : Field name not found : {(unknown or ['(none)'])[0]}"
        job.unprocessed = rows
        return
    user = job.runner if job.runner >= 0 else org.user
    for values in rows:
        _one(org, job, table, header, values, user)
    job.state = "JobComplete"


def _one(org: SalesforceOrg, job: Job, table: Table, header: list[str], values: list[str], user: int) -> None:
    record = dict(zip(header, values, strict=False))
    try:
        record_id, created = _apply(org, job, table, record, user)
    except RecordError as error:
        message = f"{error.code}:{error.message}:{','.join(error.fields or ())} --"
        job.failures.append((record.get("Id", ""), message, values))
    except ApiError as error:
        job.failures.append((record.get("Id", ""), f"{error.code}:{error.message}:--", values))
    else:
        job.successes.append((record_id, created, values))


def _apply(org: SalesforceOrg, job: Job, table: Table, record: dict[str, str], user: int) -> tuple[str, bool]:
    row = None
    if job.operation in {"update", "delete", "hardDelete"}:
        record_id = canonical(record.get("Id", "")) or ""
        row = table.row_of(record_id) if record_id.startswith(table.prefix) else None
        if row is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ("Id",))
    if job.operation in {"delete", "hardDelete"}:
        assert row is not None
        org.check_writable(table, row)
        if job.operation == "delete":
            dml.delete(org, table, row, user)
        else:
            org.hard_delete(table, row)
        return table.id_of(row), False
    if job.operation == "upsert" and job.external_id_field:
        found = org.external_rows(table, job.external_id_field, record.get(job.external_id_field, ""))
        if len(found) > 1:
            raise RecordError("DUPLICATE_EXTERNAL_ID", "more than one record found for external id field")
        row = found[0] if found else None
    fields = _fields(table, record, skip={"Id"} | ({job.external_id_field} if row is not None else set()))
    change = dml.prepare(org, table, row, fields)
    return table.id_of(dml.apply(org, change, user)), row is None


def _fields(table: Table, record: dict[str, str], skip: set[Any]) -> dict[str, tuple[Any, Any]]:
    """CSV cells -> typed values: an empty cell leaves the field alone, `#N/A` sets it to null."""
    out: dict[str, tuple[Any, Any]] = {}
    for name, text in record.items():
        definition = table.definition.field(name)
        if definition is None or definition.name in skip or text == "":
            continue
        out[definition.name] = (definition, None if text == "#N/A" else dml.convert(definition, text))
    return out


def _results(job: Job, kind: str) -> Reply:
    if job.state not in FINAL_STATES:
        raise ApiError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
    delimiter, newline = DELIMITERS[job.column_delimiter], LINE_ENDINGS[job.line_ending]
    lines: list[str]
    if kind == "ok":
        lines = [csv_line(["sf__Id", "sf__Created", *job.header], delimiter, newline)]
        lines += [csv_line([i, "true" if c else "false", *v], delimiter, newline) for i, c, v in job.successes]
    elif kind == "failed":
        lines = [csv_line(["sf__Id", "sf__Error", *job.header], delimiter, newline)]
        lines += [csv_line([i, e, *v], delimiter, newline) for i, e, v in job.failures]
    else:
        lines = [csv_line(job.header, delimiter, newline)] + [csv_line(v, delimiter, newline) for v in job.unprocessed]
    return Reply(200, "".join(lines), CSV)
