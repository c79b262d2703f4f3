"""The store, jobs, pull, write-back, identity and scheduler: imports config, connectors and scoring."""

from __future__ import annotations

from sync.accounts import IdentityOutcome, apply_identity
from sync.domains import normalise_domain
from sync.errors import JobError, JobLocked, RunStopped, StoreError, SyncError
from sync.jobs import (
    PipelineSummary,
    RunSummary,
    SyncOptions,
    WritebackSummary,
    find_job,
    run_pipeline,
    run_score,
    run_sync,
    run_writeback,
)
from sync.migrate import current_revision, ensure_current, head_revision, schema_diff, upgrade
from sync.pull import NoProgress, ProgressSink
from sync.store import build_engine, normalise_url, session
from sync.tables import (
    Account,
    AccountScore,
    ApiToken,
    CurrencyRate,
    JobLock,
    Opportunity,
    ProductLine,
    Quarantine,
    ScoringRun,
    SourceAccount,
    StageHistory,
    StageMeta,
    StreamCursor,
    SyncRun,
    Usage,
    WritebackLedger,
    WritebackRejection,
    utcnow,
)

__all__ = [
    "Account",
    "AccountScore",
    "ApiToken",
    "CurrencyRate",
    "IdentityOutcome",
    "JobError",
    "JobLock",
    "JobLocked",
    "NoProgress",
    "Opportunity",
    "PipelineSummary",
    "ProductLine",
    "ProgressSink",
    "Quarantine",
    "RunStopped",
    "RunSummary",
    "ScoringRun",
    "SourceAccount",
    "StageHistory",
    "StageMeta",
    "StoreError",
    "StreamCursor",
    "SyncError",
    "SyncOptions",
    "SyncRun",
    "Usage",
    "WritebackLedger",
    "WritebackRejection",
    "WritebackSummary",
    "apply_identity",
    "build_engine",
    "current_revision",
    "ensure_current",
    "find_job",
    "head_revision",
    "normalise_domain",
    "normalise_url",
    "run_pipeline",
    "run_score",
    "run_sync",
    "run_writeback",
    "schema_diff",
    "session",
    "upgrade",
    "utcnow",
]
