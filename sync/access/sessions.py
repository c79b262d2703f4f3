"""Dashboard sessions, kept on the server: a random id in the cookie, only its hash in the store, an expiry and a
revocation the server enforces, a new id at every sign-in; apart from the API tokens they were opened with.

A session belongs to the token it was opened with and has that token's role; revoking the token ends its
sessions. Signing out revokes the session's row, so a cookie copied before the sign-out is refused after it.
The form key that guards the dashboard's posts is derived from the session id, never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from sync.access.tokens import Caller, authenticate
from sync.store.engine import session
from sync.store.tables import ApiToken, DashboardSession, utcnow

__all__ = ["LIFETIME", "PREFIX", "OpenedSession", "SessionCaller", "end_session", "form_key", "open_session",
           "session_caller"]  # fmt: skip

PREFIX = "ss_"
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session: its id (the cookie's value, never stored) and when the server stops accepting it."""

    session_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionCaller:
    """Who a live session belongs to, and the session's row."""

    caller: Caller
    row_id: int


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def form_key(session_id: str) -> str:
    """The key a session's forms carry: only a page of that session can know it."""
    return hashlib.sha256(f"form|{session_id}".encode()).hexdigest()


def open_session(
    engine: Engine, token: str, *, replacing: str | None = None, least: str = "viewer"
) -> tuple[Caller, OpenedSession] | None:
    """Sign in with an API token: a new session of that token (the one it replaces, if any, ends); None when
    the token is unknown, revoked, or its role is below `least` (a `metrics` token never opens the dashboard)."""
    caller = authenticate(engine, token)
    if caller is None or not caller.may(least):
        return None
    opened = OpenedSession(PREFIX + secrets.token_urlsafe(32), utcnow() + LIFETIME)
    with session(engine) as s, s.begin():
        token_id = s.exec(select(ApiToken.id).where(ApiToken.name == caller.name)).one()
        assert token_id is not None
        s.add(DashboardSession(session_hash=_hash(opened.session_id), token_id=token_id, created_at=utcnow(),
                               expires_at=opened.expires_at))  # fmt: skip
        if replacing:
            _revoke(s, replacing)
    return caller, opened


def session_caller(engine: Engine, session_id: str) -> SessionCaller | None:
    """The caller of a live session: known, not signed out, not expired, its token not revoked."""
    if not session_id.startswith(PREFIX) or len(session_id) > 200:
        return None
    digest = _hash(session_id)
    with session(engine) as s:
        found = s.exec(
            select(DashboardSession, ApiToken)
            .join(ApiToken, col(ApiToken.id) == col(DashboardSession.token_id))
            .where(DashboardSession.session_hash == digest)
        ).first()
    if found is None:
        return None
    row, token = found
    if row.revoked_at is not None or token.revoked_at is not None or not hmac.compare_digest(row.session_hash, digest):
        return None
    if row.expires_at is None or row.expires_at <= utcnow():
        return None
    assert row.id is not None
    return SessionCaller(Caller(token.name, token.role), row.id)


def end_session(engine: Engine, session_id: str) -> bool:
    """Sign out: the session is refused from now on, wherever its cookie was copied. Whether one was live."""
    with session(engine) as s, s.begin():
        return _revoke(s, session_id)


def _revoke(s: Session, session_id: str) -> bool:
    done = s.execute(
        update(DashboardSession)
        .where(col(DashboardSession.session_hash) == _hash(session_id), col(DashboardSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(getattr(done, "rowcount", 0))
