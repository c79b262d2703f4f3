"""Who is calling: a bearer token (API) or the dashboard's session cookie, and whether their role suffices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from accountsync.api.bodies import ErrorOut
from accountsync.api.state import ApiState, state_of
from sync.tokens import Caller, authenticate

COOKIE = "accountsync_session"
CSRF_HEADER = "X-Requested-With"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def presented_token(request: Request) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came from the session cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        return (token.strip() if scheme.lower() == "bearer" else None), False
    cookie = request.cookies.get(COOKIE)
    return cookie, cookie is not None


def current_caller(request: Request, state: Annotated[ApiState, Depends(state_of)]) -> Caller:
    """The caller behind a valid token or session.

    Raises:
        HTTPException: 401 without a token, or with an unknown or revoked one.
    """
    token, from_cookie = presented_token(request)
    if not token:
        raise _unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    caller = authenticate(state.engine, token)
    if caller is None:
        raise _unauthorized("the token is not valid (unknown or revoked)")
    if from_cookie and request.method not in SAFE_METHODS and CSRF_HEADER.lower() not in request.headers:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a session request that changes state needs {CSRF_HEADER}")
    return caller


def require(role: str) -> Callable[..., Caller]:
    """A dependency admitting callers whose role includes `role` (403 otherwise)."""

    def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if not caller.may(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role; your token is {caller.role}")
        return caller

    return dependency


Viewer = Annotated[Caller, Depends(require("viewer"))]
Operator = Annotated[Caller, Depends(require("operator"))]
Admin = Annotated[Caller, Depends(require("admin"))]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid token."},
    403: {"model": ErrorOut, "description": "The token's role is too low."},
}
