"""The job lock: no two runs of a job overlap, on SQLite and PostgreSQL, across processes and replicas."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from sync.errors import JobLocked
from sync.runs.lease import default_lease
from sync.store.engine import session
from sync.store.tables import JobLock, SyncRun, utcnow


def holder_name() -> str:
    """This process, as `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(holder: str) -> bool:
    """A holder on this host whose process is gone (killed with -9) leaves a stale lock."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(
    engine: Engine, *, job: str, run_id: int, holder: str | None = None, lease: timedelta | None = None
) -> None:
    """Take the job's lock for `run_id` for `lease` (default: `default_lease()`).

    Raises:
        JobLocked: another live run holds it (its lease has not expired and its process is alive).
    """
    holder = holder or holder_name()
    lease = lease or default_lease()
    now = utcnow()
    with session(engine) as s, s.begin():
        current = s.exec(select(JobLock).where(JobLock.job == job).with_for_update()).first()
        if current is not None:
            stale = (current.expires_at is not None and current.expires_at < now) or _holder_is_dead(current.holder)
            if not stale and current.run_id != run_id:
                raise JobLocked(job, current.run_id, current.holder)
            if current.run_id != run_id:  # the dead holder's run row must not stay `running` for ever
                message = (f"its process ({current.holder}) died or lost its lock; run {run_id} took the job over "
                           "and resumed from the committed checkpoint")  # fmt: skip
                s.execute(
                    update(SyncRun)
                    .where(col(SyncRun.id) == current.run_id, col(SyncRun.status) == "running")
                    .values(status="failed", finished_at=now, message=message)
                )
            s.delete(current)
            s.flush()
        s.add(JobLock(job=job, run_id=run_id, holder=holder, acquired_at=now, expires_at=now + lease))
        try:
            s.flush()
        except IntegrityError:
            raise JobLocked(job, -1, "another process") from None


def renew(engine: Engine, *, job: str, run_id: int, lease: timedelta | None = None) -> bool:
    """Extend the lease (default: `default_lease()`); False when the lock is no longer ours."""
    with session(engine) as s, s.begin():
        result = s.execute(
            update(JobLock)
            .where(JobLock.job == job, JobLock.run_id == run_id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() + (lease or default_lease()))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(engine: Engine, *, job: str, run_id: int) -> None:
    """Give the lock back (only if this run holds it)."""
    with session(engine) as s, s.begin():
        s.execute(delete(JobLock).where(JobLock.job == job, JobLock.run_id == run_id))  # type: ignore[arg-type]
