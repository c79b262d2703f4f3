"""Errors of the sync package, grouped by what the caller should do.

SyncError                    root
 ├── StoreError              the store is unreachable, misconfigured or not migrated: fix and rerun
 ├── JobError                a job cannot run as asked (unknown job, another run holds its lock)
 │    ├── JobLocked          another run of the job is running
 │    └── LockLost           a running run lost its job lock (taken over after an expired lease): it stopped
 └── RunStopped              a run stopped checkpointed (budget, daily quota, auth): rerun resumes
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


class SyncError(Exception):
    """Root of the sync package's errors."""


class StoreError(SyncError):
    """The store cannot be used: unreachable, wrong URL, or its schema is not at the expected revision."""


class JobError(SyncError):
    """A job cannot run as asked."""


class JobLocked(JobError):
    """Another run of the same job holds the job's lock."""

    def __init__(self, job: str, run_id: int, holder: str) -> None:
        self.job = job
        self.run_id = run_id
        self.holder = holder
        super().__init__(f"job `{job}` is already running as run {run_id} (held by {holder})")


class LockLost(JobError):
    """A running run found its job lock held by another run: it stopped at a page or batch boundary."""

    def __init__(self, job: str, run_id: int) -> None:
        self.job = job
        self.run_id = run_id
        super().__init__(f"run {run_id} of job `{job}` lost its job lock to another run and stopped; what it "
                         "committed is kept")  # fmt: skip


class RunStopped(SyncError):
    """A run stopped at a checkpoint; the next run resumes from there."""

    def __init__(self, job: str, reason: str) -> None:
        self.job = job
        self.reason = reason
        super().__init__(f"job `{job}` stopped checkpointed: {reason}")


def store_error(exc: DBAPIError, run_id: int) -> StoreError:
    """A lost or refused store connection during run `run_id`, as the StoreError every face reports in one line
    (no traceback)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return StoreError(f"run {run_id} failed: the store refused or lost its connection ({reason}); "
                      "what was committed is kept, rerun to resume")  # fmt: skip
