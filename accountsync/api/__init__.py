"""The admin API (FastAPI): routes, bearer-token roles, bodies; the dashboard is mounted on the same app."""

from __future__ import annotations

from accountsync.api.app import create_app
from accountsync.api.state import ApiState

__all__ = ["ApiState", "create_app"]
