"""Admin-only: API tokens and config reload."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from accountsync.api.auth import AUTH_RESPONSES, Admin
from accountsync.api.bodies import ErrorOut, ReloadOut, TokenCreate, TokenCreated, TokenOut
from accountsync.api.state import ApiState, state_of
from config import ConfigError
from sync.access import TokenError, create_token, list_tokens, revoke_token

router = APIRouter(prefix="/api", tags=["admin"], responses=AUTH_RESPONSES)
State = Annotated[ApiState, Depends(state_of)]


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens")
def tokens(_caller: Admin, state: State) -> list[TokenOut]:
    """Every token with its role and dates (never the token)."""
    return [TokenOut.model_validate(t) for t in list_tokens(state.engine)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED, summary="Create a token",
             responses={409: {"model": ErrorOut}})  # fmt: skip
def new_token(body: TokenCreate, _caller: Admin, state: State) -> TokenCreated:
    """Create a token; it is in this answer and never shown again."""
    try:
        token = create_token(state.engine, name=body.name, role=body.role)
    except TokenError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return TokenCreated(name=body.name, role=body.role, token=token)


@router.delete("/tokens/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a token",
               responses={404: {"model": ErrorOut}})  # fmt: skip
def revoke(name: Annotated[str, Path(min_length=1, max_length=128)], _caller: Admin, state: State) -> Response:
    """Revoke a token: requests with it get 401 from now on."""
    try:
        revoke_token(state.engine, name=name)
    except TokenError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


INVALID_CONFIG: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "The config file is invalid; the old one stays."}
}


@router.post("/config/reload", response_model=ReloadOut, summary="Reload the config file", responses=INVALID_CONFIG)
def reload(_caller: Admin, state: State) -> ReloadOut:
    """Read the config file again: jobs and schedules follow; an invalid file changes nothing."""
    try:
        deployment = state.deployments.reload()
    except ConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"config not reloaded: {exc}") from None
    return ReloadOut(jobs=[job.name for job in deployment.jobs])
