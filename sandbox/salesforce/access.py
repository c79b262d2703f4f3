"""Who may call and how much: access tokens, refresh tokens, the daily API quota, and the org's clock."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Final

from sandbox.salesforce.errors import invalid_session, total_requests_exceeded

SESSION_TIMEOUT_MS: Final = 2 * 60 * 60 * 1000  # the org's session timeout: two hours of inactivity
DEFAULT_DAILY_MAX: Final = 100_000


class Clock:
    """Real UTC time in epoch ms, strictly increasing so two writes never share a SystemModstamp."""

    def __init__(self) -> None:
        self.last = 0

    def now(self) -> int:
        return int(time.time() * 1000)

    def stamp(self) -> int:
        self.last = max(self.now(), self.last + 1)
        return self.last


@dataclass(slots=True)
class Session:
    user: int  # User row
    last_used: int  # epoch ms


@dataclass(slots=True)
class Access:
    """Access tokens (sessions), admin-issued refresh tokens and the rolling 24-hour request quota."""

    org_id: str
    sessions: dict[str, Session] = field(default_factory=dict)
    refresh_tokens: dict[str, int] = field(default_factory=dict)  # token -> User row
    used: int = 0
    daily_max: int = DEFAULT_DAILY_MAX

    def open_session(self, user: int, now_ms: int) -> str:
        token = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        self.sessions[token] = Session(user, now_ms)
        return token

    def issue_refresh_token(self, user: int) -> str:
        token = "5Aep861" + secrets.token_urlsafe(60)
        self.refresh_tokens[token] = user
        return token

    def authenticate(self, header: str | None, now_ms: int) -> int:
        """The User row behind `Authorization: Bearer <token>`, or INVALID_SESSION_ID."""
        if not header or not header.lower().startswith(("bearer ", "oauth ")):
            raise invalid_session()
        session = self.sessions.get(header.split(None, 1)[1].strip())
        if session is None or now_ms - session.last_used > SESSION_TIMEOUT_MS:
            raise invalid_session()
        session.last_used = now_ms
        return session.user

    def expire_all(self) -> int:
        count = len(self.sessions)
        self.sessions.clear()
        return count

    def charge(self) -> None:
        """Count one API request against the daily quota, or refuse it once the quota is spent."""
        if self.used >= self.daily_max:
            raise total_requests_exceeded()
        self.used += 1

    def limit_info(self) -> str:
        return f"api-usage={self.used}/{self.daily_max}"
