"""The runs wing: run rows and their lifecycle, the job lock and its heartbeat, the queue, the daily API
budget, and read-only views of runs for the faces."""

from __future__ import annotations

from sync.runs.browse import RunPublic, get_run, list_runs
from sync.runs.locks import LEASE_ENV
from sync.runs.queue import (
    ClaimedRun,
    Enqueued,
    QueueError,
    RunNotCancellable,
    RunNotFound,
    active_counts,
    cancel,
    claim,
    enqueue,
)
from sync.runs.stats import RunStats, run_stats

__all__ = [
    "LEASE_ENV",
    "ClaimedRun",
    "Enqueued",
    "QueueError",
    "RunNotCancellable",
    "RunNotFound",
    "RunPublic",
    "RunStats",
    "active_counts",
    "cancel",
    "claim",
    "enqueue",
    "get_run",
    "list_runs",
    "run_stats",
]
