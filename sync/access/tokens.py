"""Admin-API bearer tokens: generated once, stored only as a SHA-256 hash, each with a role.

Roles are ordered: `metrics` only scrapes `/metrics` (a Prometheus token that reads nothing else), `viewer`
reads, `operator` also triggers and cancels runs, `admin` also manages tokens and reloads the config. A token
is shown once, at creation; the store keeps its hash, so a leaked database dump holds no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from sync.access.roles import ROLES
from sync.errors import SyncError
from sync.store.engine import session
from sync.store.tables import ApiToken, utcnow

PREFIX = "as_"
LAST_USED_EVERY = timedelta(minutes=1)  # `last_used_at` is a hint: no write on every request


class TokenError(SyncError):
    """A token cannot be created or revoked as asked (duplicate or unknown name, unknown role)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    name: str
    role: str
    created_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a valid token belongs to."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this caller's role includes `role`."""
        return ROLES.index(self.role) >= ROLES.index(role)


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, *, name: str, role: str) -> str:
    """Create a token named `name` with `role`; returns the token, which is never shown again.

    Raises:
        TokenError: unknown role, or a token of that name exists.
    """
    if role not in ROLES:
        raise TokenError(f"unknown role `{role}` (roles: {', '.join(ROLES)})")
    if not name.strip() or len(name) > 128:
        raise TokenError("a token name is 1 to 128 characters")
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with session(engine) as s, s.begin():
            s.add(ApiToken(name=name, role=role, token_hash=token_hash(token), created_at=utcnow()))
    except IntegrityError:
        raise TokenError(f"a token named `{name}` exists (names are never reused: pick another)") from None
    return token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """Every token, revoked ones included, oldest first."""
    with session(engine) as s:
        rows = s.exec(select(ApiToken).order_by(col(ApiToken.id))).all()
    return [TokenInfo(r.name, r.role, r.created_at, r.revoked_at, r.last_used_at) for r in rows]


def revoke_token(engine: Engine, *, name: str) -> None:
    """Revoke the token named `name` (the row stays, for the record; its name is not reused).

    Raises:
        TokenError: no live token has that name.
    """
    with session(engine) as s, s.begin():
        row = s.exec(select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))).first()
        if row is None:
            raise TokenError(f"no live token named `{name}`")
        row.revoked_at = utcnow()


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The caller a token stands for; None when it is unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    with session(engine) as s:
        row = s.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    _touch(engine, row)
    return Caller(row.name, row.role)


def _touch(engine: Engine, row: ApiToken) -> None:
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_EVERY:
        return
    with session(engine) as s, s.begin():
        s.execute(update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=now))
