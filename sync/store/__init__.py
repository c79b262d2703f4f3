"""The store wing: tables, column types, the engine, migrations and the shared upsert.

Every other wing writes and reads the store through these tables; nothing here knows a CRM.
"""

from __future__ import annotations

from sync.store.engine import build_engine, normalise_url, session
from sync.store.migrate import current_revision, ensure_current, head_revision, schema_diff, upgrade
from sync.store.tables import SyncRun, WritebackRejection, utcnow

__all__ = [
    "SyncRun",
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
