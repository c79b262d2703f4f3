"""Read-only views of runs for the faces: filtered pages of runs, one run with its rejections and progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, func
from sqlmodel import col, select

from sync.store.engine import session
from sync.store.tables import MAX_ROW_ID, SyncRun, WritebackRejection


class RunPublic(BaseModel):
    """A run as every face shows it (the API's response model, the CLI's `runs show`, the dashboard's run page):
    status, counts, API calls, progress, steps and errors. Read from a `SyncRun` row by `get_run`/`list_runs`."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    job: str
    kind: str
    status: str
    trigger: str
    params: dict[str, Any]
    scheduled_for: datetime | None
    requested_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    worker: str | None
    message: str | None
    counts: dict[str, Any]
    api_calls: dict[str, Any]
    error_count: int
    percent: float | None
    progress: dict[str, Any] = Field(default_factory=dict)
    errors: list[Any] = Field(default_factory=list)
    rejections: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[dict[str, Any]] = Field(default_factory=list, description="A whole job's steps in order: name, "
                                        "status, started_at, duration_seconds, message, counts.")  # fmt: skip
    warning_count: int = Field(
        default=0,
        description="Data-quality warnings: CRM fields stored empty because "
        "they could not be stored or were implausible (the records were kept).",
    )
    warnings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The first 500 data-quality warnings: record_id, field, message, stream (run detail only).",
    )
    writeback: list[dict[str, Any]] = Field(default_factory=list, description="Per write-back target: calls, "
                                            "duration and per field sent, unchanged, rejected, rep-owned skipped, "
                                            "no value, adopted (run detail only).")  # fmt: skip


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs, newest first."""

    total: int
    items: list[RunPublic]


def percent_done(status: str, progress: dict[str, Any]) -> float | None:
    """Share of the expected records read so far (100 once finished); None when nothing is known yet."""
    if status in ("succeeded", "partial"):
        return 100.0
    expected = sum((p.get("expected") or 0) for p in progress.values())
    if expected <= 0:
        return None
    read = sum(min(p.get("read") or 0, p.get("expected") or 0) for p in progress.values())
    return round(100.0 * read / expected, 1)


def _view(run: SyncRun, *, detail: bool, rejections: list[dict[str, Any]] | None = None) -> RunPublic:
    counts = dict(run.counts or {})
    extra = counts.get("extra") or {}
    assert run.id is not None
    return RunPublic(
        id=run.id, job=run.job, kind=run.kind, status=run.status, trigger=run.trigger, params=dict(run.params or {}),
        scheduled_for=run.scheduled_for, requested_at=run.requested_at, started_at=run.started_at,
        finished_at=run.finished_at, heartbeat_at=run.heartbeat_at, worker=run.worker, message=run.message,
        counts={k: v for k, v in counts.items() if k != "extra"}, api_calls=dict(run.api_calls or {}),
        error_count=int(extra.get("error_count", 0) or 0), percent=percent_done(run.status, run.progress or {}),
        progress=dict(run.progress or {}) if detail else {}, errors=list(run.errors or []) if detail else [],
        rejections=rejections or [], steps=list(run.steps or []),
        writeback=list(extra.get("targets") or []) if detail else [],
        warning_count=int(extra.get("warning_count", 0) or 0),
        warnings=list(extra.get("warnings") or []) if detail else [],
    )  # fmt: skip


def list_runs(
    engine: Engine, *, job: str | None = None, status: str | None = None, limit: int = 50, offset: int = 0
) -> RunPage:
    """Runs newest first, optionally of one job and/or status."""
    stmt = select(SyncRun)
    count = select(func.count()).select_from(SyncRun)
    if job is not None:
        stmt, count = stmt.where(SyncRun.job == job), count.where(col(SyncRun.job) == job)
    if status is not None:
        stmt, count = stmt.where(SyncRun.status == status), count.where(col(SyncRun.status) == status)
    with session(engine) as s:
        total = int(s.exec(count).one())
        rows = s.exec(stmt.order_by(col(SyncRun.id).desc()).offset(offset).limit(limit)).all()
    return RunPage(total, [_view(r, detail=False) for r in rows])


def get_run(engine: Engine, run_id: int) -> RunPublic | None:
    """One run with its live progress, errors and write-back rejections; None when there is no such run."""
    if not 0 < run_id <= MAX_ROW_ID:
        return None
    with session(engine) as s:
        run = s.get(SyncRun, run_id)
        if run is None:
            return None
        stmt = (
            select(WritebackRejection).where(WritebackRejection.run_id == run_id).order_by(col(WritebackRejection.id))
        )
        rejections = [
            {"connection": r.connection, "object": r.object, "record_id": r.record_id, "code": r.code,
             "message": r.message, "fields": list(r.fields or []), "resolved": r.resolved_at is not None}
            for r in s.exec(stmt.limit(500)).all()
        ]  # fmt: skip
    return _view(run, detail=True, rejections=rejections)
