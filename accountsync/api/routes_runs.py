"""`/api/runs`: run history with filters and paging, one run's live progress, cancelling a queued run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from accountsync.api.auth import AUTH_RESPONSES, Operator, Viewer
from accountsync.api.bodies import ErrorOut, RunOut, RunPageOut, RunStatus
from accountsync.api.state import ApiState, state_of
from sync.runs import RunNotCancellable, RunNotFound, get_run, list_runs
from sync.runs import cancel as cancel_queued

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=AUTH_RESPONSES)
State = Annotated[ApiState, Depends(state_of)]
RunId = Annotated[int, Path(ge=1, le=2**62, description="The run's id.")]


@router.get("", response_model=RunPageOut, summary="Runs, newest first")
def runs(
    _caller: Viewer,
    state: State,
    job: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this job's runs.")] = None,
    run_status: Annotated[RunStatus | None, Query(alias="status", description="Only runs in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Runs to skip.")] = 0,
) -> RunPageOut:
    """The run history: status, counts, API calls and errors of each run."""
    page = list_runs(state.engine, job=job, status=run_status, limit=limit, offset=offset)
    items = [RunOut.model_validate(r) for r in page.items]
    return RunPageOut(total=page.total, limit=limit, offset=offset, items=items)


@router.get("/{run_id}", response_model=RunOut, summary="One run", responses={404: {"model": ErrorOut}})
def run(run_id: RunId, _caller: Viewer, state: State) -> RunOut:
    """One run with live progress per stream, counts, errors, API calls and write-back rejections."""
    found = get_run(state.engine, run_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    return RunOut.model_validate(found)


@router.post(
    "/{run_id}/cancel", response_model=RunOut, summary="Cancel a queued run",
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut, "description": "The run is not queued."}},
)  # fmt: skip
def cancel(run_id: RunId, _caller: Operator, state: State) -> RunOut:
    """Cancel a run that is still queued (a running run cannot be cancelled: 409)."""
    try:
        cancel_queued(state.engine, run_id)
    except RunNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except RunNotCancellable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    found = get_run(state.engine, run_id)
    assert found is not None
    return RunOut.model_validate(found)
