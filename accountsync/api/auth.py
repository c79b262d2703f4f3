"""Who is calling: a bearer token (API) or the dashboard's server-side session, and whether their role suffices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status

from accountsync.api.bodies import ErrorOut
from accountsync.api.state import ApiState, state_of
from sync.access import Caller, authenticate, session_caller

COOKIE = "accountsync_session"
CSRF_HEADER = "X-Requested-With"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header ("" for another scheme), None without the header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def same_origin(request: Request) -> bool:
    """Whether the request comes from a page of this site: its Origin (else Referer) names this host. Without
    either (not a browser), the form key or the dashboard header decides; `Origin: null` is another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True
    host = request.headers.get("host", "").lower()
    return bool(host) and urlsplit(origin).netloc.lower() == host


def current_caller(request: Request, state: Annotated[ApiState, Depends(state_of)]) -> Caller:
    """The caller behind a valid bearer token, else behind the dashboard's session cookie.

    Raises:
        HTTPException: 401 without a token or session, or with an unknown, revoked or expired one; 403 for a
            session request that changes state from another site or without the dashboard's header.
    """
    token = bearer_token(request)
    if token is not None:
        caller = authenticate(state.engine, token) if token else None
        if caller is None:
            raise _unauthorized("the token is not valid (unknown or revoked)")
        return caller
    cookie = request.cookies.get(COOKIE)
    found = session_caller(state.engine, cookie) if cookie else None
    if found is None:
        detail = "the session has ended (signed out or expired)" if cookie else "a bearer token is required"
        raise _unauthorized(f"{detail} (Authorization: Bearer <token>)")
    if request.method not in SAFE_METHODS:
        if CSRF_HEADER.lower() not in request.headers:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a session request that changes state needs {CSRF_HEADER}")
        if not same_origin(request):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a session request from another site is refused")
    return found.caller


def require(role: str) -> Callable[..., Caller]:
    """A dependency admitting callers whose role includes `role` (403 otherwise)."""

    def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if not caller.may(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role; your token is {caller.role}")
        return caller

    return dependency


Scraper = Annotated[Caller, Depends(require("metrics"))]
Viewer = Annotated[Caller, Depends(require("viewer"))]
Operator = Annotated[Caller, Depends(require("operator"))]
Admin = Annotated[Caller, Depends(require("admin"))]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid token."},
    403: {"model": ErrorOut, "description": "The token's role is too low."},
}
