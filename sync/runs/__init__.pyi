"""The public surface of `sync.runs`, read by type checkers and by `lazy_loader` (see __init__.py)."""

from .browse import RunPublic, get_run, list_runs
from .lease import LEASE_ENV
from .queue import (
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
from .stats import RunStats, run_stats

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
