"""The admin API (FastAPI): routes, bearer-token roles, bodies; `accountsync.web` mounts the dashboard on it."""

from __future__ import annotations

from accountsync.api.app import create_api
from accountsync.api.state import ApiState

__all__ = ["ApiState", "create_api"]
