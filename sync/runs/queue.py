"""The run queue in the store: triggers enqueue run rows, workers on any replica claim them one job at a time.

A run is enqueued as a `queued` row; a worker claims the oldest queued run whose job has no running run and
no older queued run (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the engine's `BEGIN IMMEDIATE`), marks it
`running` with its name and a heartbeat, and keeps beating while it works. A running run whose heartbeat is
older than the lease belongs to a replica that died: any replica puts it back at the head of the queue, and
the next claim resumes it from the checkpoints its pages committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from sync.errors import JobError
from sync.runs import locks
from sync.store.engine import session
from sync.store.tables import MAX_ROW_ID, JobLock, SyncRun, utcnow

KINDS = ("job", "full", "sync", "account", "writeback", "dry_run")
DIRECT_TRIGGER = "cli"  # `accountsync sync` runs in its own process: never claimed by a worker
FINISHED = ("succeeded", "partial", "failed", "stopped_for_budget", "stopped", "cancelled")


class QueueError(JobError):
    """A queue operation cannot be done as asked."""


class RunNotFound(QueueError):
    """No run has this id."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        super().__init__(f"no run {run_id}")


class RunNotCancellable(QueueError):
    """Only a queued run can be cancelled."""

    def __init__(self, run_id: int, status: str) -> None:
        self.run_id = run_id
        self.status = status
        super().__init__(f"run {run_id} is {status}: only a queued run can be cancelled")


@dataclass(frozen=True, slots=True)
class Enqueued:
    """The run a trigger asked for; `created` is False when the key or scheduled time already had one."""

    run_id: int
    created: bool


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    """A run a worker now owns."""

    run_id: int
    job: str
    kind: str
    trigger: str
    params: Mapping[str, Any]


def enqueue(
    engine: Engine,
    *,
    job: str,
    kind: str = "job",
    trigger: str = "api",
    params: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    scheduled_for: datetime | None = None,
) -> Enqueued:
    """Queue a run of `job`, or return the run already queued for the same idempotency key or scheduled time.

    Raises:
        QueueError: unknown kind.
    """
    if kind not in KINDS:
        raise QueueError(f"unknown run kind `{kind}` (kinds: {', '.join(KINDS)})")
    existing = _existing(engine, job, idempotency_key, scheduled_for)
    if existing is not None:
        return Enqueued(existing, created=False)
    row = SyncRun(job=job, kind=kind, trigger=trigger, params=dict(params or {}), status="queued",
                  requested_at=utcnow(), idempotency_key=idempotency_key, scheduled_for=scheduled_for)  # fmt: skip
    try:
        with session(engine) as s, s.begin():
            s.add(row)
            s.flush()
            assert row.id is not None
            return Enqueued(row.id, created=True)
    except IntegrityError:  # another replica or request won the race for the same key or time
        existing = _existing(engine, job, idempotency_key, scheduled_for)
        if existing is None:
            raise
        return Enqueued(existing, created=False)


def _existing(engine: Engine, job: str, key: str | None, scheduled_for: datetime | None) -> int | None:
    if key is None and scheduled_for is None:
        return None
    with session(engine) as s:
        if key is not None:
            found = s.exec(select(SyncRun.id).where(SyncRun.idempotency_key == key)).first()
        else:
            stmt = select(SyncRun.id).where(SyncRun.job == job, SyncRun.scheduled_for == scheduled_for)
            found = s.exec(stmt).first()
    return found


def claim(engine: Engine, *, worker: str) -> ClaimedRun | None:
    """Take the oldest queued run whose job is free, mark it running for `worker`; None when nothing is."""
    head = select(SyncRun).where(SyncRun.status == "queued", SyncRun.trigger != DIRECT_TRIGGER)
    other = aliased(SyncRun)
    blocked = exists().where(
        col(other.job) == col(SyncRun.job),
        or_(
            col(other.status) == "running",
            and_(col(other.status) == "queued", col(other.trigger) != DIRECT_TRIGGER, col(other.id) < col(SyncRun.id)),
        ),
    )
    stmt = head.where(~blocked).order_by(col(SyncRun.id)).limit(1)
    if engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=SyncRun)
    now = utcnow()
    with session(engine) as s, s.begin():
        run = s.exec(stmt).first()
        if run is None:
            return None
        run.status, run.worker, run.heartbeat_at, run.started_at = "running", worker, now, now
        run.finished_at, run.message = None, None
        assert run.id is not None
        return ClaimedRun(run.id, run.job, run.kind, run.trigger, dict(run.params or {}))


def heartbeat(engine: Engine, *, run_id: int, worker: str) -> bool:
    """Mark the run alive; False when it is no longer this worker's running run (re-queued or finished)."""
    with session(engine) as s, s.begin():
        result = s.execute(
            update(SyncRun)
            .where(col(SyncRun.id) == run_id, col(SyncRun.worker) == worker, col(SyncRun.status) == "running")
            .values(heartbeat_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def requeue(engine: Engine, *, run_id: int, reason: str, worker: str | None = None) -> bool:
    """Put a run back at the head of its job's queue (it resumes from its checkpoints when claimed again).

    With `worker`, only while that worker still owns it. Returns whether the run was re-queued.
    """
    with session(engine) as s, s.begin():
        run = s.exec(select(SyncRun).where(SyncRun.id == run_id).with_for_update()).first()
        if run is None or (worker is not None and run.worker != worker):
            return False
        params = dict(run.params or {})
        params["resumes"] = [*params.get("resumes", []), {"from": run.worker, "at": utcnow().isoformat(),
                                                          "reason": reason[:200]}]  # fmt: skip
        run.params, run.status, run.worker, run.heartbeat_at = params, "queued", None, None
        run.finished_at, run.message = None, reason[:2000]
        return True


def reap_stale(engine: Engine, *, lease: timedelta, now: datetime | None = None) -> list[int]:
    """Re-queue runs whose worker stopped beating for longer than `lease` (a dead replica); a direct CLI run
    whose process is gone (heartbeat and job lock both expired) is closed as failed. Returns the re-queued ids."""
    cutoff = (now or utcnow()) - lease
    with session(engine) as s:
        stale = s.exec(select(SyncRun).where(SyncRun.status == "running", col(SyncRun.heartbeat_at) < cutoff)).all()
    requeued = []
    for run in stale:
        assert run.id is not None
        if run.trigger == DIRECT_TRIGGER:
            _close_abandoned(engine, run, cutoff, now or utcnow())
        elif _take_stale(engine, run.id, cutoff):
            requeued.append(run.id)
    return requeued


def _take_stale(engine: Engine, run_id: int, cutoff: datetime) -> bool:
    with session(engine) as s, s.begin():
        run = s.exec(select(SyncRun).where(SyncRun.id == run_id).with_for_update()).first()
        if run is None or run.status != "running" or run.heartbeat_at is None or run.heartbeat_at >= cutoff:
            return False  # another replica reaped it first, or it beat again
        lost = run.worker
        s.execute(JobLock.__table__.delete().where(JobLock.run_id == run_id))  # type: ignore[attr-defined]
    return requeue(engine, run_id=run_id, reason=f"worker {lost} stopped beating; resuming from the checkpoint",
                   worker=lost)  # fmt: skip


def _close_abandoned(engine: Engine, run: SyncRun, cutoff: datetime, now: datetime) -> None:
    with session(engine) as s, s.begin():
        lock = s.exec(select(JobLock).where(JobLock.job == run.job, JobLock.run_id == run.id)).first()
        if lock is not None and lock.expires_at is not None and lock.expires_at >= now:
            return  # its process still renews the lock: a long page, not a dead process
        s.execute(
            update(SyncRun)
            .where(col(SyncRun.id) == run.id, col(SyncRun.status) == "running", col(SyncRun.heartbeat_at) < cutoff)
            .values(status="failed", finished_at=now, message="abandoned: its process stopped (no heartbeat, no lock)")
        )


def cancel(engine: Engine, run_id: int) -> None:
    """Cancel a queued run.

    Raises:
        RunNotFound: no such run. RunNotCancellable: the run is not queued.
    """
    if not 0 < run_id <= MAX_ROW_ID:
        raise RunNotFound(run_id)
    with session(engine) as s, s.begin():
        run = s.exec(select(SyncRun).where(SyncRun.id == run_id).with_for_update()).first()
        if run is None:
            raise RunNotFound(run_id)
        if run.status != "queued":
            raise RunNotCancellable(run_id, run.status)
        run.status, run.finished_at, run.message = "cancelled", utcnow(), "cancelled while queued"


def close_unstarted(engine: Engine, *, run_id: int, status: str, message: str) -> None:
    """Close a claimed run that could not start (unknown job, bad params) so it never stays `running`."""
    with session(engine) as s, s.begin():
        s.execute(
            update(SyncRun)
            .where(col(SyncRun.id) == run_id, col(SyncRun.status).in_(("running", "queued")))
            .values(status=status, finished_at=utcnow(), message=message[:2000])
        )


def renew_lock(engine: Engine, *, job: str, run_id: int, lease: timedelta) -> None:
    """Extend the job lock of a claimed run with the worker's lease."""
    locks.renew(engine, job=job, run_id=run_id, lease=lease)


def active_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Per job, how many runs are queued and running."""
    with session(engine) as s:
        rows = s.exec(
            select(SyncRun.job, SyncRun.status, func.count())
            .where(col(SyncRun.status).in_(("queued", "running")))
            .group_by(col(SyncRun.job), col(SyncRun.status))
        ).all()
    found: dict[str, dict[str, int]] = {}
    for job, status, n in rows:
        found.setdefault(job, {"queued": 0, "running": 0})[status] = int(n)
    return found
