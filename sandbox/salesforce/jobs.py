"""Bulk API 2.0 jobs: their state machine and the JSON Salesforce answers about them."""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Final

from sandbox.salesforce.ids import KEY_PREFIXES, make_id
from sandbox.salesforce.query import Plan
from sandbox.salesforce.values import datetime_text

FINAL_STATES: Final = frozenset({"JobComplete", "Failed", "Aborted"})
COMPLETE_AFTER_S: Final = 1.0  # a job left alone completes after this long; each poll also moves it on


@dataclass(slots=True)
class Job:
    """One query or ingest job."""

    id: str
    kind: str  # "query" or "ingest"
    operation: str
    object: str
    api_version: str
    created_by: str
    created_ms: int
    state: str
    line_ending: str = "LF"
    column_delimiter: str = "COMMA"
    external_id_field: str | None = None
    plan: Plan | None = None
    query: str = ""
    rows: array[int] | None = None  # a query job's result rows, fixed when it completes
    uploads: list[str] = field(default_factory=list)  # an ingest job's CSV data as uploaded
    successes: list[tuple[str, bool, list[str]]] = field(default_factory=list)  # (id, created, input row)
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (id, error, input row)
    unprocessed: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    error_message: str | None = None
    polls: int = 0
    fail_with: str | None = None  # an admin asked this job to fail when it would run
    modified_ms: int = 0
    runner: int = -1  # the User row that created the job (its records are written as that user)

    def info(self) -> dict[str, Any]:
        """The job-info JSON (create, get, patch answers)."""
        out: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.object, "createdById": self.created_by,
            "createdDate": datetime_text(self.created_ms), "systemModstamp": datetime_text(self.modified_ms),
            "state": self.state,
        }  # fmt: skip
        if self.external_id_field:
            out["externalIdFieldName"] = self.external_id_field
        out |= {
            "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter,
        }  # fmt: skip
        if self.kind == "ingest" and self.state == "Open":
            out["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        return out

    def status(self) -> dict[str, Any]:
        """The fuller answer to GET /jobs/{kind}/{id}."""
        out = self.info()
        processed = len(self.rows or ()) if self.kind == "query" else len(self.successes) + len(self.failures)
        out |= {"jobType": "V2Query" if self.kind == "query" else "V2Ingest", "numberRecordsProcessed": processed}
        if self.kind == "ingest":
            out |= {"numberRecordsFailed": len(self.failures), "apexProcessingTime": 0, "apiActiveProcessingTime": 0}
        out |= {"retries": 0, "totalProcessingTime": 0}
        if self.kind == "query":
            out["isPkChunkingSupported"] = True
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out

    def due(self) -> bool:
        """Whether the job should move on now: polled since, or left long enough."""
        return self.polls > 1 or time.time() * 1000 - self.created_ms >= COMPLETE_AFTER_S * 1000


class Jobs:
    """All Bulk 2.0 jobs of the org by id."""

    def __init__(self) -> None:
        self.by_id: dict[str, Job] = {}
        self._issued = 0

    def __len__(self) -> int:
        return len(self.by_id)

    def new_id(self) -> str:
        self._issued += 1
        return make_id(KEY_PREFIXES["AsyncJob"], self._issued)

    def add(self, job: Job) -> Job:
        self.by_id[job.id] = job
        return job

    def get(self, job_id: str, kind: str) -> Job | None:
        job = self.by_id.get(job_id) or self.by_id.get(job_id[:15] + job_id[15:].upper())
        return job if job is not None and job.kind == kind else None
