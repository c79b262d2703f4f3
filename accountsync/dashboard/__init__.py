"""The dashboard: server-rendered pages (Jinja2) on the API's app, with Chart.js served locally."""

from __future__ import annotations

from accountsync.dashboard.routes import mount_dashboard

__all__ = ["mount_dashboard"]
