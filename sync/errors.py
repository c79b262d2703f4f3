"""Errors of the sync package, grouped by what the caller should do.

SyncError                    root
 ├── StoreError              the store is unreachable, misconfigured or not migrated: fix and rerun
 ├── JobError                a job cannot run as asked (unknown job, another run holds its lock)
 │    └── JobLocked          another run of the job is running
 └── RunStopped              a run stopped checkpointed (budget, daily quota, auth): rerun resumes
"""

from __future__ import annotations


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


class RunStopped(SyncError):
    """A run stopped at a checkpoint; the next run resumes from there."""

    def __init__(self, job: str, reason: str) -> None:
        self.job = job
        self.reason = reason
        super().__init__(f"job `{job}` stopped checkpointed: {reason}")
