"""The org's API quota as `Sforce-Limit-Info` reports it on every response, fed to the job's budget."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Final

import requests

from connectors.base import Quota
from connectors.budget import ApiBudget

LIMIT_HEADER: Final = "Sforce-Limit-Info"
_API_USAGE: Final = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


def parse_limit_info(value: str | None) -> tuple[int, int] | None:
    """`(used, max)` of `api-usage=USED/MAX` (other entries such as `per-app-api-usage` are ignored)."""
    if not value:
        return None
    found = _API_USAGE.search(value)
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass
class ApiMeter:
    """Counts the calls this connector makes and the quota the org reports, and keeps the budget told.

    `before_call` runs before every request (raising BudgetExceededError when the job's share is spent);
    `on_response` is installed as a `response` hook on the shared `requests.Session`, so it sees every
    answer: REST, Bulk 2.0, Tooling, and those the SDK makes itself.
    """

    budget: ApiBudget | None = None
    calls: int = 0
    used: int | None = None
    limit: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_call(self) -> None:
        """Count one call, after asking the budget whether it may be made."""
        if self.budget is not None:
            self.budget.before_call()
        with self._lock:
            self.calls += 1

    def observe(self, header: str | None) -> None:
        """Record one `Sforce-Limit-Info` value."""
        parsed = parse_limit_info(header)
        if parsed is None:
            return
        with self._lock:
            self.used, self.limit = parsed
        if self.budget is not None:
            self.budget.observe(*parsed)

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """The `requests` response hook."""
        self.observe(response.headers.get(LIMIT_HEADER))
        return response

    def quota(self) -> Quota:
        """Last reported usage and limit, and the calls made."""
        with self._lock:
            return Quota(used=self.used, limit=self.limit, calls=self.calls)
