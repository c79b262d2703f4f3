"""Keeps a running job's lock alive while the run works, and stops the run when the lock is lost.

The lock is renewed every third of its lease (`--lease-seconds`, `ACCOUNTSYNC_LEASE_SECONDS`), so a renewal
can fail twice and the lock still holds. When a renewal finds the lock gone (another process took it over
after an expired lease), the run must not go on writing beside the new holder: `check()` raises `LockLost`,
which the pull calls at every page (through `GuardedSink`) and the write-back before every batch.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import structlog
from sqlalchemy import Engine

from sync.errors import LockLost
from sync.pull.stream import ProgressSink
from sync.runs import locks
from sync.runs.lease import default_lease

log = structlog.get_logger("accountsync.heartbeat")
MIN_INTERVAL = 0.2


class LockHeartbeat:
    """Renews the job lock every third of the lease while the run works; notes a lost lock."""

    def __init__(self, engine: Engine, job: str, run_id: int, lease: timedelta | None = None) -> None:
        self._engine, self._job, self._run_id = engine, job, run_id
        self._lease = lease or default_lease()
        self._every = max(self._lease.total_seconds() / 3, MIN_INTERVAL)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run_id}")
        self.lost = False

    def __enter__(self) -> LockHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def check(self) -> None:
        """Raise `LockLost` when another run holds the job's lock now.

        Raises:
            LockLost: the lock was taken over; the run stops at this page or batch boundary.
        """
        if self.lost:
            raise LockLost(self._job, self._run_id)

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                held = locks.renew(self._engine, job=self._job, run_id=self._run_id, lease=self._lease)
            except Exception as exc:  # the store blinked: the next beat tries again, well within the lease
                log.warning("lock renewal failed", run_id=self._run_id, error=type(exc).__name__)
                continue
            if not held:
                self.lost = True
                log.error("job lock lost: stopping at the next page or batch", job=self._job, run_id=self._run_id)
                return


class GuardedSink:
    """A progress sink that also stops the run at a page boundary when its lock was lost."""

    def __init__(self, sink: ProgressSink, beat: LockHeartbeat) -> None:
        self._sink, self._beat = sink, beat

    def stream_started(self, stream: str, expected: int | None) -> None:
        self._beat.check()
        self._sink.stream_started(stream, expected)

    def advanced(self, stream: str, records: int) -> None:
        self._sink.advanced(stream, records)
        self._beat.check()

    def stream_finished(self, stream: str) -> None:
        self._sink.stream_finished(stream)
