"""Bulk API 2.0 ingest for large write-backs: CSV upload, UploadComplete, poll, per-record results read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from connectors.base import RecordUpdate, WriteResult
from connectors.errors import FatalError
from connectors.salesforce.bulk import FINAL_STATES, JSON, BulkSettings, poll_job
from connectors.salesforce.session import OrgSession
from connectors.salesforce.writer import batches, wire_value

JOB_RECORDS: Final = 100_000  # records per ingest job, far under the 100 MB upload limit for score fields
NULL_CELL: Final = "#N/A"  # Bulk CSV: an empty cell leaves a field unchanged, #N/A sets it to null


def csv_body(key: str, updates: Sequence[RecordUpdate]) -> tuple[str, list[str]]:
    """The upload and its header: the key column (`Id` or the external id field), then every field written."""
    columns = sorted({name for u in updates for name in u.values})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([key, *columns])
    for u in updates:
        row = [u.record_id]
        for name in columns:
            if name not in u.values:
                row.append("")
            else:
                value = wire_value(u.values[name])
                row.append(NULL_CELL if value is None else _cell(value))
        writer.writerow(row)
    return out.getvalue(), [key, *columns]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ingest(
    org: OrgSession,
    obj: str,
    updates: Sequence[RecordUpdate],
    *,
    external_id: str | None = None,
    settings: BulkSettings | None = None,
) -> Iterator[list[WriteResult]]:
    """One ingest job per 100,000 updates; yields each job's results in input order."""
    for batch in batches(updates, JOB_RECORDS):
        yield _one_job(org, obj, batch, external_id, settings or BulkSettings())


def _one_job(
    org: OrgSession, obj: str, updates: Sequence[RecordUpdate], external_id: str | None, settings: BulkSettings
) -> list[WriteResult]:
    key = external_id or "Id"
    body, _ = csv_body(key, updates)
    spec: dict[str, Any] = {"object": obj, "operation": "upsert" if external_id else "update", "contentType": "CSV",
                            "lineEnding": "LF", "columnDelimiter": "COMMA"}  # fmt: skip
    if external_id:
        spec["externalIdFieldName"] = external_id
    job = org.request(f"create Bulk ingest job on {obj}", "POST", "jobs/ingest", json=spec, headers=JSON).json()
    job_id = str(job["id"])
    upload = {"Content-Type": "text/csv", **JSON}
    org.request("upload Bulk ingest data", "PUT", f"jobs/ingest/{job_id}/batches", data=body.encode(), headers=upload)
    org.request("close Bulk ingest job", "PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"},
                headers=JSON)  # fmt: skip
    info = _wait(org, job_id, settings)
    if info.get("state") == "Failed" and not info.get("numberRecordsProcessed"):
        message = str(info.get("errorMessage") or "job failed")
        return [WriteResult(u.record_id, False, "BULK_JOB_FAILED", message) for u in updates]
    return _results(org, job_id, key, updates)


def _wait(org: OrgSession, job_id: str, settings: BulkSettings) -> Mapping[str, Any]:
    info = poll_job(org, "ingest", job_id, settings)
    if info.get("state") not in FINAL_STATES:
        raise FatalError(org.name, f"Bulk ingest job {job_id} still {info.get('state')} after {settings.max_wait:g} s")
    return info


def _result_rows(org: OrgSession, job_id: str, kind: str) -> list[dict[str, str]]:
    answer = org.request(
        f"read Bulk ingest {kind}", "GET", f"jobs/ingest/{job_id}/{kind}", headers={"Accept": "text/csv"}
    )
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"), newline="")))


def _results(org: OrgSession, job_id: str, key: str, updates: Sequence[RecordUpdate]) -> list[WriteResult]:
    found: dict[str, WriteResult] = {}
    for row in _result_rows(org, job_id, "successfulResults"):
        record = row.get(key) or row.get("sf__Id") or ""
        found[record] = WriteResult(record, True)
    for row in _result_rows(org, job_id, "failedResults"):
        record = row.get(key) or row.get("sf__Id") or ""
        found[record] = failed_result(record, row.get("sf__Error") or "")
    for row in _result_rows(org, job_id, "unprocessedrecords"):
        record = row.get(key) or ""
        found[record] = WriteResult(record, False, "UNPROCESSED", "the job ended before this record was processed")
    no_result = "Salesforce returned no result for it"
    return [found.get(u.record_id) or WriteResult(u.record_id, False, "NO_RESULT", no_result) for u in updates]


def failed_result(record_id: str, error: str) -> WriteResult:
    """A `failedResults` row's `sf__Error` (`CODE:message:fields`) as a WriteResult."""
    code, _, rest = error.partition(":")
    message, _, fields = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    names = tuple(f.strip() for f in fields.replace("--", "").split(",") if f.strip())
    return WriteResult(record_id, False, code.strip() or "UNKNOWN", message.strip() or error, names)
