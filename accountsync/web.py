"""The served app: the admin API and the dashboard on one FastAPI app over one `ApiState`."""

from __future__ import annotations

from fastapi import FastAPI

from accountsync.api import ApiState, create_api
from accountsync.dashboard import mount_dashboard
from accountsync.dashboard.analytics_routes import router as analytics_pages


def create_app(state: ApiState) -> FastAPI:
    """The app `accountsync serve` serves: the API under /api, health, metrics and the dashboard."""
    app = create_api(state)
    mount_dashboard(app)
    app.include_router(analytics_pages)  # the portfolio analytics pages, beside the dashboard's own
    return app
