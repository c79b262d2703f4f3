"""One run lifecycle for every kind of run: lock, running, heartbeat, a terminal status whatever happens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from sync.errors import JobLocked, LockLost, store_error
from sync.runs import locks
from sync.runs.heartbeat import LockHeartbeat
from sync.runs.records import RunRecorder


@contextmanager
def run_lifecycle(engine: Engine, job: str, run_id: int) -> Iterator[tuple[RunRecorder, LockHeartbeat]]:
    """Take job `job`'s lock for run `run_id`, mark the run running and renew the lock while the body works.

    The body closes the run with its own status (`recorder.finish`). A refused lock closes the run `cancelled`,
    a lost lock `stopped`, any other error `failed` (a lost store connection as a one-line `StoreError`); the
    lock is released whatever happens, so no run stays `queued` or `running` for ever.

    Raises:
        JobLocked: another run holds the lock. LockLost: the lock was taken over while the body worked.
        StoreError: the store refused or lost its connection.
    """
    recorder = RunRecorder(engine, run_id)
    try:
        locks.acquire(engine, job=job, run_id=run_id)
    except JobLocked as exc:
        recorder.finish("cancelled", str(exc))
        raise
    recorder.start()
    try:
        with LockHeartbeat(engine, job, run_id) as beat:
            yield recorder, beat
    except LockLost as exc:
        recorder.finish("stopped", str(exc))
        raise
    except BaseException as exc:  # the run row must not stay 'running'; what was committed is kept
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        if isinstance(exc, DBAPIError):
            raise store_error(exc, run_id) from exc
        raise
    finally:
        locks.release(engine, job=job, run_id=run_id)
