"""Queue workers: claim a run, run it through `sync.jobs` with a heartbeat, re-queue it if stopped mid-way.

A worker thread loops: re-queue runs of dead replicas, claim the next run, execute it. While a run works its
row and job lock are renewed every quarter lease; a stop (SIGTERM) or a lost claim interrupts a pull right
after the page being stored is committed with its position, and the run goes back to the queue to resume.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Engine

from config import Deployment
from sync.errors import JobError, JobLocked
from sync.jobs import ConnectorFactory, SyncOptions, default_factory, run_pipeline, run_sync, run_writeback
from sync.runs import queue

log = structlog.get_logger("accountsync.worker")


class RunInterrupted(Exception):
    """Raised between pages to stop a run that must resume elsewhere (shutdown, or its claim was lost)."""


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How workers behave; every replica of a deployment uses the same lease."""

    name: str
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    factory: ConnectorFactory = default_factory


class _InterruptingSink:
    """A progress sink that stops the run after a committed page when asked to."""

    def __init__(self, should_stop: Callable[[], str | None]) -> None:
        self._should_stop = should_stop

    def stream_started(self, stream: str, expected: int | None) -> None:
        log.info("stream started", stream=stream, expected=expected)
        self._check()

    def advanced(self, stream: str, records: int) -> None:
        self._check()

    def stream_finished(self, stream: str) -> None:
        log.info("stream finished", stream=stream)

    def _check(self) -> None:
        reason = self._should_stop()
        if reason is not None:
            raise RunInterrupted(reason)


class _RunHeartbeat:
    """Renews the claimed run's heartbeat and job lock every quarter lease; notes a lost claim."""

    def __init__(self, engine: Engine, run: queue.ClaimedRun, settings: WorkerSettings) -> None:
        self._engine, self._run, self._settings = engine, run, settings
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"beat-{run.run_id}")

    def __enter__(self) -> _RunHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        every = self._settings.lease.total_seconds() / 4
        while not self._stop.wait(every):
            try:
                alive = queue.heartbeat(self._engine, run_id=self._run.run_id, worker=self._settings.name)
                queue.renew_lock(self._engine, job=self._run.job, run_id=self._run.run_id, lease=self._settings.lease)
            except Exception as exc:  # the store blinked: the next beat tries again, well within the lease
                log.warning("heartbeat failed", run_id=self._run.run_id, error=type(exc).__name__)
                continue
            if not alive and not self._stop.is_set():
                self.lost = True


def execute_run(
    deployment: Deployment, run: queue.ClaimedRun, *, engine: Engine, factory: ConnectorFactory, sink: _InterruptingSink
) -> str:
    """Run a claimed run through `sync.jobs` (the same functions as every other trigger); returns its status.

    `job` and `full` are the whole job (pull, enrich, score, write back; `full` with a full pull); `sync` pulls
    only, `account` resyncs one account, `writeback` and `dry_run` write back or plan only."""
    objects = tuple(run.params.get("objects") or ()) or None
    if run.kind in ("job", "full"):
        options = SyncOptions(full=run.kind == "full", trigger=run.trigger)
        job = run_pipeline(deployment, run.job, engine=engine, as_of=datetime.now(UTC).date(), options=options,
                           sink=sink, factory=factory, run_id=run.run_id)  # fmt: skip
        return job.status
    if run.kind in ("sync", "account"):
        account = run.params.get("account") or None
        full = bool(run.params.get("full"))
        options = SyncOptions(full=full, objects=objects, trigger=run.trigger, account=account)
        summary = run_sync(deployment, run.job, engine=engine, options=options, sink=sink, factory=factory,
                           run_id=run.run_id)  # fmt: skip
        return summary.status
    wb = run_writeback(deployment, run.job, engine=engine, dry_run=run.kind == "dry_run", factory=factory,
                       trigger=run.trigger, run_id=run.run_id)  # fmt: skip
    return wb.status


class Worker:
    """One worker thread's loop over the queue."""

    def __init__(
        self, engine: Engine, deployment: Callable[[], Deployment], settings: WorkerSettings, stopping: threading.Event
    ) -> None:
        self._engine, self._deployment, self._settings, self._stopping = engine, deployment, settings, stopping
        self._last_reap = 0.0

    def run_forever(self) -> None:
        """Claim and execute runs until `stopping` is set (the current run is checkpointed and re-queued)."""
        while not self._stopping.is_set():
            try:
                worked = self.run_once()
            except Exception as exc:  # the store is away: wait and try again, never die
                log.error("worker loop error", error=f"{type(exc).__name__}: {exc}")
                worked = False
            if not worked:
                self._stopping.wait(self._settings.poll_seconds)

    def run_once(self) -> bool:
        """Reap stale runs (at most every half lease), claim one run and execute it; False when none was queued."""
        if time.monotonic() - self._last_reap >= self._settings.lease.total_seconds() / 2:
            self._last_reap = time.monotonic()
            for run_id in queue.reap_stale(self._engine, lease=self._settings.lease):
                log.warning("re-queued a run whose worker stopped beating", run_id=run_id)
        run = queue.claim(self._engine, worker=self._settings.name)
        if run is None:
            return False
        with structlog.contextvars.bound_contextvars(run_id=run.run_id, job=run.job, kind=run.kind):
            self._execute(run)
        return True

    def _execute(self, run: queue.ClaimedRun) -> None:
        log.info("run claimed", worker=self._settings.name, trigger=run.trigger)
        started = time.monotonic()
        with _RunHeartbeat(self._engine, run, self._settings) as beat:
            sink = _InterruptingSink(lambda: _stop_reason(self._stopping, beat))
            try:
                status = execute_run(self._deployment(), run, engine=self._engine, factory=self._settings.factory,
                                     sink=sink)  # fmt: skip
            except RunInterrupted as exc:
                self._requeue(run, str(exc), beat.lost)
                return
            except JobLocked as exc:
                queue.requeue(self._engine, run_id=run.run_id, reason=str(exc), worker=self._settings.name)
                log.info("job locked: run re-queued", holder=exc.holder)
                return
            except JobError as exc:  # unknown job (config changed since it was queued)
                queue.close_unstarted(self._engine, run_id=run.run_id, status="failed", message=str(exc))
                log.error("run failed", error=str(exc))
                return
            except Exception as exc:  # run_sync closed the row as failed already
                log.error("run failed", error=f"{type(exc).__name__}: {exc}")
                return
        log.info("run finished", status=status, seconds=round(time.monotonic() - started, 3))

    def _requeue(self, run: queue.ClaimedRun, reason: str, lost: bool) -> None:
        if lost:  # another replica owns it now: leave its row alone
            log.warning("claim lost: stopped after the committed page", reason=reason)
            return
        queue.requeue(self._engine, run_id=run.run_id, reason=reason, worker=self._settings.name)
        log.info("run interrupted and re-queued: it resumes from its checkpoint", reason=reason)


def _stop_reason(stopping: threading.Event, beat: _RunHeartbeat) -> str | None:
    if beat.lost:
        return "claim lost: another replica took the run over"
    if stopping.is_set():
        return "the service is stopping; resuming from the checkpoint"
    return None
