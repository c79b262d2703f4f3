"""The store, jobs, pull, write-back, identity and scheduler: imports config, connectors and scoring."""

from __future__ import annotations

from sync.errors import JobError, JobLocked, RunStopped, StoreError, SyncError
from sync.migrate import current_revision, ensure_current, head_revision, schema_diff, upgrade
from sync.store import build_engine, normalise_url, session
from sync.tables import (
    Account,
    AccountScore,
    ApiToken,
    CurrencyRate,
    JobLock,
    Opportunity,
    ProductLine,
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
    "JobError",
    "JobLock",
    "JobLocked",
    "Opportunity",
    "ProductLine",
    "RunStopped",
    "ScoringRun",
    "SourceAccount",
    "StageHistory",
    "StageMeta",
    "StoreError",
    "StreamCursor",
    "SyncError",
    "SyncRun",
    "Usage",
    "WritebackLedger",
    "WritebackRejection",
    "build_engine",
    "current_revision",
    "ensure_current",
    "head_revision",
    "normalise_url",
    "schema_diff",
    "session",
    "upgrade",
    "utcnow",
]
