"""Run rows: created when a trigger asks, updated while the run works, closed with status and counts."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from connectors import Quota
from sync.store.engine import session
from sync.store.tables import SyncRun, utcnow

STATUSES = ("queued", "running", "succeeded", "partial", "failed", "stopped_for_budget", "stopped", "cancelled")
FLUSH_SECONDS = 1.0
MAX_ERRORS = 500


def create_run(
    engine: Engine,
    *,
    job: str,
    kind: str = "sync",
    trigger: str = "cli",
    params: dict[str, Any] | None = None,
    status: str = "queued",
) -> int:
    """Insert a run row and return its id."""
    with session(engine) as s, s.begin():
        run = SyncRun(job=job, kind=kind, trigger=trigger, params=params or {}, status=status, requested_at=utcnow())
        s.add(run)
        s.flush()
        assert run.id is not None
        return run.id


@dataclass
class StreamProgress:
    """Live counts of one stream."""

    expected: int | None = None
    read: int = 0
    pages: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    done: bool = False
    counted: bool = True  # inserted/updated told apart (sync.pull.pages.PageOutcome.counted)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass(frozen=True, slots=True)
class Ended:
    """How a piece of a run's work ended (a pull, a resync, a write-back, a step): the status the run row takes,
    its message, the step's counts and the audits of the objects it read."""

    status: str  # succeeded, partial, failed, stopped_for_budget, stopped
    message: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    audits: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step of a whole job's run (pull, enrich, score, writeback): how it ended and what it did."""

    name: str
    status: str  # succeeded, partial, failed, stopped_for_budget, stopped, skipped
    started_at: datetime
    duration_seconds: float
    message: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as the run row keeps it."""
        return {"name": self.name, "status": self.status, "started_at": self.started_at.isoformat(),
                "duration_seconds": round(self.duration_seconds, 3), "message": self.message,
                "counts": dict(self.counts)}  # fmt: skip


@dataclass
class RunRecorder:
    """Keeps a run's progress, counts and errors, flushing them to the run row at most once a second."""

    engine: Engine
    run_id: int
    streams: dict[str, StreamProgress] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    connections: tuple[str, ...] = ()  # the job's sources in order: streams are listed grouped by them
    _field_errors: set[tuple[str, str]] = field(default_factory=set)
    _calls_before: dict[str, int] = field(default_factory=dict)  # calls of earlier steps' connectors
    _flushed: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Mark the run running."""
        with session(self.engine) as s, s.begin():
            run = s.get(SyncRun, self.run_id)
            assert run is not None
            run.status, run.started_at, run.heartbeat_at = "running", utcnow(), utcnow()

    def stream(self, name: str) -> StreamProgress:
        """The progress of stream `name` (created on first use)."""
        found = self.streams.get(name)
        if found is None:
            with self._lock:  # a job's sources are read side by side: streams start in several threads
                found = self.streams.setdefault(name, StreamProgress())
        return found

    def listed(self) -> dict[str, dict[str, Any]]:
        """Every stream's progress, grouped by connection in the job's source order (sources read side by side
        start their streams interleaved), each connection's streams in the order they started."""
        with self._lock:
            items = list(self.streams.items())
        rank = {name: i for i, name in enumerate(self.connections)}
        ordered = sorted(items, key=lambda item: rank.get(item[0].split(".", 1)[0], len(rank)))
        return {name: progress.as_dict() for name, progress in ordered}

    def error(self, kind: str, message: str, **context: Any) -> None:
        """Record one error or skipped record (kept up to MAX_ERRORS; the count is always exact)."""
        with self._lock:
            self.extra["error_count"] = self.extra.get("error_count", 0) + 1
            if len(self.errors) < MAX_ERRORS:
                self.errors.append({"kind": kind, "message": message[:1000], **context})

    def warning(self, message: str, **context: Any) -> None:
        """Record a data-quality warning (a field stored empty; the record was kept): listed on the run (up to
        MAX_ERRORS, the count always exact), never an error that makes the run partial."""
        with self._lock:
            self.extra["warning_count"] = self.extra.get("warning_count", 0) + 1
            kept = self.extra.setdefault("warnings", [])
            if len(kept) < MAX_ERRORS:
                kept.append({"kind": "data_quality", "message": message[:1000], **context})

    def note_quota(self, connection: str, quota: Quota) -> None:
        """The connector's calls so far, and the org's daily quota left as the CRM last reported it (kept in
        `extra.quota_left`, which the metrics export per connection)."""
        with self._lock:
            self.api_calls[connection] = self._calls_before.get(connection, 0) + quota.calls
            if quota.limit is not None and quota.used is not None:
                self.extra.setdefault("quota_left", {})[connection] = max(0, quota.limit - quota.used)

    def new_connectors(self) -> None:
        """The next step opens connectors of its own: its calls add to those made so far."""
        self._calls_before = dict(self.api_calls)

    def field_error(self, stream: str, field_name: str, message: str) -> None:
        """Record a field that failed (schema drift), once per stream and field."""
        if (stream, field_name) not in self._field_errors:
            self._field_errors.add((stream, field_name))
            self.error("field_error", message, stream=stream, field=field_name)

    def flush(self, *, force: bool = False) -> None:
        """Write progress to the run row (throttled unless forced)."""
        now = time.monotonic()
        if not force and now - self._flushed < FLUSH_SECONDS:
            return
        self._flushed = now
        progress = self.listed()
        with self._lock:  # one consistent picture, whichever source's thread flushes
            counts = self.totals() | {"extra": copy.deepcopy(self.extra)}
            api_calls, errors = dict(self.api_calls), list(self.errors)
            steps = [dict(step) for step in self.steps]
        with session(self.engine) as s, s.begin():
            run = s.get(SyncRun, self.run_id)
            assert run is not None
            run.progress, run.counts, run.api_calls, run.errors = progress, counts, api_calls, errors
            if steps:
                run.steps = steps
            run.heartbeat_at = utcnow()

    def step(self, outcome: StepOutcome) -> None:
        """Record one finished step of a whole job's run (kept in order on the run row)."""
        self.steps.append(outcome.as_dict())
        self.flush(force=True)

    def totals(self) -> dict[str, int]:
        """Counts summed over streams."""
        keys = ("read", "inserted", "updated", "deleted", "skipped")
        streams = list(self.streams.values())
        return {k: sum(getattr(p, k) for p in streams) for k in keys}

    def finish(self, status: str, message: str | None = None) -> None:
        """Close the run with its final status."""
        assert status in STATUSES
        self.flush(force=True)
        with session(self.engine) as s, s.begin():
            run = s.get(SyncRun, self.run_id)
            assert run is not None
            run.status, run.finished_at, run.message = status, utcnow(), (message or "")[:2000] or None
