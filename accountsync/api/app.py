"""The admin API app: routes under /api, health and metrics, over one `ApiState` (the dashboard is mounted on it by
`accountsync.web`)."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from accountsync.api import routes_accounts, routes_admin, routes_health, routes_jobs, routes_review, routes_runs
from accountsync.api.headers import SecurityHeaders, mount_docs
from accountsync.api.state import ApiState
from sync import StoreError

DESCRIPTION = """Admin API of accountsync: jobs and their schedules, the run queue and history, ranked accounts and
portfolio KPIs. Authenticate with `Authorization: Bearer <token>` (`accountsync tokens create NAME --role R`):
`metrics` scrapes `/metrics` only, `viewer` reads, `operator` also queues and cancels runs, `admin` also manages
tokens and reloads the config."""


def create_api(state: ApiState) -> FastAPI:
    """Build the API app over `state` (the store, the deployment in force)."""
    app = FastAPI(title="accountsync", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.accountsync = state
    app.add_middleware(SecurityHeaders)
    mount_docs(app)
    for module in (routes_health, routes_jobs, routes_runs, routes_accounts, routes_review, routes_admin):
        app.include_router(module.router)

    @app.exception_handler(StoreError)
    async def _store_unavailable(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)

    return app
