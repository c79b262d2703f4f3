"""`/healthz` (the process answers), `/readyz` (the store is reachable and migrated), `/metrics`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import JSONResponse

from accountsync.api.auth import AUTH_RESPONSES, Scraper
from accountsync.api.bodies import HealthOut
from accountsync.api.state import ApiState, state_of
from accountsync.metrics import CONTENT_TYPE, render
from sync import current_revision, head_revision

router = APIRouter(tags=["health"])
State = Annotated[ApiState, Depends(state_of)]


@router.get("/healthz", response_model=HealthOut, summary="Liveness")
def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get("/readyz", response_model=HealthOut, summary="Readiness",
            responses={503: {"model": HealthOut, "description": "Store unreachable or not migrated."}})  # fmt: skip
def readyz(state: State) -> HealthOut | JSONResponse:
    """The store answers and is at the code's schema revision."""
    want = head_revision()
    try:
        have = current_revision(state.engine)
    except Exception as exc:  # any driver error means: not ready
        body = HealthOut(status="unavailable", detail=f"store unreachable ({type(exc).__name__})")
        return JSONResponse(body.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    if have != want:
        body = HealthOut(status="unavailable", revision=have, detail=f"store at {have or 'none'}, code needs {want}")
        return JSONResponse(body.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return HealthOut(status="ok", revision=have)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."},
                       **AUTH_RESPONSES})  # fmt: skip
def metrics(_caller: Scraper, state: State) -> Response:
    """Runs by status, durations, records, API calls, rejections and queue depth, from the run rows. Needs a
    bearer token of any role; a `metrics` token (for Prometheus) can read nothing else."""
    assert state.registry is not None
    return Response(render(state.registry), media_type=CONTENT_TYPE)
