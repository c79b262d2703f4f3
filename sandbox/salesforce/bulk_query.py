"""Bulk API 2.0 query jobs: create, poll, CSV result pages with Sforce-Locator, abort, delete."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce.aggregates import is_aggregate
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.jobs import FINAL_STATES, Job
from sandbox.salesforce.query import plan, run
from sandbox.salesforce.records import csv_line, csv_rows
from sandbox.salesforce.values import from_ms
from sandbox.salesforce.wire import CSV, Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

DELIMITERS: Final = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS: Final = {"LF": "\n", "CRLF": "\r\n"}
DEFAULT_MAX_RECORDS: Final = 100_000
CHUNK: Final = 2000


def query_jobs(org: SalesforceOrg, call: Call) -> Reply:
    """Dispatch /jobs/query[/{id}[/results]]."""
    rest = call.parts[2:]
    if not rest:
        if call.method == "POST":
            return _create(org, call)
        jobs = [j.info() for j in org.jobs.by_id.values() if j.kind == "query"]
        return Reply(body={"done": True, "records": jobs, "nextRecordsUrl": None})
    job = org.jobs.get(rest[0], "query")
    if job is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    if len(rest) == 2 and rest[1] == "results" and call.method == "GET":
        return _results(org, call, job)
    if len(rest) == 1 and call.method == "GET":
        job.polls += 1
        advance(org, job)
        return Reply(body=job.status())
    if len(rest) == 1 and call.method == "PATCH":
        return Reply(body=abort(org, call, job))
    if len(rest) == 1 and call.method == "DELETE":
        return delete(org, job)
    raise not_found()


# The Bulk APIs' words for a compound (address, location) field in the select list; clients match the text
# (e.g. airbytehq/airbyte source-salesforce's BulkNotSupportedException).
COMPOUND_REFUSED: Final = "Selecting compound data not supported in Bulk Query"


def _create(org: SalesforceOrg, call: Call) -> Reply:
    body = call.json_object()
    operation = body.get("operation")
    if operation not in {"query", "queryAll"}:
        raise ApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
    delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in LINE_ENDINGS:
        raise ApiError(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise ApiError(400, "INVALIDJOB", "Query is required for query jobs")
    if is_aggregate(soql):
        raise ApiError(400, "API_ERROR", "Aggregate queries are not supported by Bulk API 2.0")
    bound = plan(soql, org.by_name, operation == "queryAll")
    if bound.query.count_only:
        raise ApiError(400, "API_ERROR", "Aggregate queries are not supported by Bulk API 2.0")
    if bound.query.offset is not None:
        raise ApiError(400, "API_ERROR", "OFFSET is not supported by Bulk API 2.0")
    if any(path.field.storage == "compound" for path in bound.select):  # address and location fields
        raise ApiError(400, "API_ERROR", COMPOUND_REFUSED)
    now = org.clock.now()
    job = Job(
        id=org.jobs.new_id(), kind="query", operation=operation, object=bound.table.definition.name,
        api_version=call.version, created_by=org.table("User").id_of(call.user), created_ms=now,
        state="UploadComplete", line_ending=ending, column_delimiter=delimiter, plan=bound, query=soql,
        modified_ms=now,
    )  # fmt: skip
    return Reply(body=org.jobs.add(job).info())


def advance(org: SalesforceOrg, job: Job) -> None:
    """UploadComplete -> InProgress -> JobComplete (or Failed when an admin asked for it)."""
    if job.state in FINAL_STATES:
        return
    if job.state == "UploadComplete":
        job.state = "InProgress"
    elif job.due():
        if job.fail_with:
            job.state, job.error_message = "Failed", job.fail_with
        else:
            assert job.plan is not None
            if job.plan.include_deleted:
                org.purge()
            job.rows = run(job.plan, org.by_name, from_ms(org.clock.now()))
            job.state = "JobComplete"
    job.modified_ms = org.clock.now()


def abort(org: SalesforceOrg, call: Call, job: Job) -> dict[str, Any]:
    state = call.json_object().get("state")
    if state != "Aborted" and not (job.kind == "ingest" and state == "UploadComplete"):
        raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state: {state}")
    if job.state in FINAL_STATES:
        raise ApiError(400, "INVALIDJOBSTATE", f"Job is already in a final state: {job.state}")
    job.state = "Aborted"
    job.modified_ms = org.clock.now()
    return job.info()


def delete(org: SalesforceOrg, job: Job) -> Reply:
    if job.state in {"Open", "InProgress"}:
        raise ApiError(400, "INVALIDJOBSTATE", f"Job can not be deleted in state {job.state}")
    del org.jobs.by_id[job.id]
    return Reply(204)


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except ValueError:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _results(org: SalesforceOrg, call: Call, job: Job) -> Reply:
    if call.version != job.api_version:
        message = (
            f"Query job results must be retrieved with the API version the job was created with ({job.api_version})"
        )
        raise ApiError(409, "INVALIDJOB", message)
    if job.state != "JobComplete" or job.rows is None or job.plan is None:
        raise ApiError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
    raw_max = call.params.get("maxRecords")
    if raw_max is not None and (not raw_max.isdigit() or int(raw_max) < 1):
        raise ApiError(400, "INVALIDMAXRECORDS", f"Invalid maxRecords: {raw_max}")
    offset = _offset(call.params.get("locator"))
    size = int(raw_max) if raw_max else DEFAULT_MAX_RECORDS
    rows = job.rows[offset : offset + size]
    end = offset + len(rows)
    headers = {
        "Sforce-Locator": _locator(end) if end < len(job.rows) else "null",
        "Sforce-NumberOfRecords": str(len(rows)),
    }
    return Reply(200, _stream(org, job, rows), CSV, headers, records=len(rows))


def _stream(org: SalesforceOrg, job: Job, rows: Any) -> Iterator[str]:
    """The CSV page in chunks; each chunk reads the org under its lock (the app wraps this iterator)."""
    assert job.plan is not None
    delimiter, newline = DELIMITERS[job.column_delimiter], LINE_ENDINGS[job.line_ending]
    yield csv_line([".".join(p.key) for p in job.plan.select], delimiter, newline)
    for start in range(0, len(rows), CHUNK):
        cells = csv_rows(job.plan.select, org.by_name, rows[start : start + CHUNK])
        yield "".join(csv_line(row, delimiter, newline) for row in cells)
