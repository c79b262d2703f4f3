"""The pull wing: a job's streams read page by page into the store, positions committed with each page,
counts audited against the CRM and repaired by windows, and one account resynced on demand."""

from __future__ import annotations

from sync.pull.account_resync import AccountNotFound, resolve_account, resync_account
from sync.pull.stream import NoProgress, ProgressSink

__all__ = ["AccountNotFound", "NoProgress", "ProgressSink", "resolve_account", "resync_account"]
