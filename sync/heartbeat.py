"""Keeps a running job's lock alive while the run works."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from sync import locks


class LockHeartbeat:
    """Renews the job lock and flushes progress while the run works."""

    def __init__(self, engine: Engine, job: str, run_id: int, every: float = 15.0) -> None:
        self._engine, self._job, self._run_id, self._every = engine, job, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run_id}")

    def __enter__(self) -> LockHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            locks.renew(self._engine, job=self._job, run_id=self._run_id)
