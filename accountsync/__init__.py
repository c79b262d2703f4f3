"""The faces of accountsync: CLI, admin API and dashboard. They hold no logic: every trigger calls sync/."""

from __future__ import annotations

from accountsync.cli import app, main

__all__ = ["app", "main"]
