"""HubSpot's request limits: a 10-second rolling window, search's 5 per second, and a daily budget."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from sandbox.hubspot.errors import RateLimited

__all__ = ["LimitSettings", "RateLimiter"]

_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """`enabled=False` turns every limit off (benches); headers are still sent."""

    ten_secondly: int = 190
    search_per_second: int = 5
    daily: int = 1_000_000
    enabled: bool = True


class RateLimiter:
    """Admits or refuses one request; `admit` answers the X-HubSpot-RateLimit-* headers to send."""

    def __init__(self, settings: LimitSettings, portal_id: int, app_id: int) -> None:
        self.settings = settings
        self._portal_id = portal_id
        self._app_id = app_id
        self._window: deque[float] = deque()
        self._search: deque[float] = deque()
        self._daily_used = 0
        self._day = self._today()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        state["_window"], state["_search"] = deque(), deque()  # monotonic stamps mean nothing elsewhere
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @staticmethod
    def _today() -> str:
        return datetime.now(UTC).date().isoformat()

    def configure(self, settings: LimitSettings) -> None:
        with self._lock:
            self.settings = settings
            self._window.clear()
            self._search.clear()

    def set_daily_remaining(self, remaining: int) -> None:
        with self._lock:
            self._roll_day()
            self._daily_used = max(0, self.settings.daily - remaining)

    def admit(self, is_search: bool, now: float | None = None) -> dict[str, str]:
        """Count one request; raise RateLimited (with headers) when a policy refuses it."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._roll_day()
            self._expire(moment)
            if not self.settings.enabled:  # benches: count the day, keep no windows
                self._daily_used += 1
                return self._headers(moment)
            refusal = self._refusal(is_search)
            if refusal is not None:
                raise RateLimited(refusal, self._group(refusal), self._headers(moment))
            self._window.append(moment)
            if is_search:
                self._search.append(moment)
            self._daily_used += 1
            return self._headers(moment)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            self._expire(time.monotonic())
            return {
                "ten_secondly_used": len(self._window),
                "ten_secondly_max": self.settings.ten_secondly,
                "daily_used": self._daily_used,
                "daily_max": self.settings.daily,
            }

    def _refusal(self, is_search: bool) -> str | None:
        if self._daily_used >= self.settings.daily:
            return "DAILY"
        if is_search and len(self._search) >= self.settings.search_per_second:
            return "SECONDLY"
        if len(self._window) >= self.settings.ten_secondly:
            return "TEN_SECONDLY_ROLLING"
        return None

    def _expire(self, moment: float) -> None:
        while self._window and moment - self._window[0] >= _WINDOW_S:
            self._window.popleft()
        while self._search and moment - self._search[0] >= 1.0:
            self._search.popleft()

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self._daily_used = today, 0

    def _group(self, policy: str) -> str:
        if policy == "DAILY":
            return f"publicapi:private-app-daily:{self._portal_id}"
        if policy == "SECONDLY":
            return f"publicapi:crm-search-secondly:{self._portal_id}"
        return f"publicapi:private-app-ten-secondly:{self._portal_id}:{self._app_id}"

    def _headers(self, moment: float) -> dict[str, str]:
        s = self.settings
        secondly = max(1, s.ten_secondly // 10)
        last_second = sum(1 for t in self._window if moment - t < 1.0) if self._window else 0
        return {
            "X-HubSpot-RateLimit-Daily": str(s.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, s.daily - self._daily_used)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(s.ten_secondly),
            "X-HubSpot-RateLimit-Remaining": str(max(0, s.ten_secondly - len(self._window))),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - last_second)),
        }
