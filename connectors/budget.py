"""A job's share of the org's daily API quota, checked before every call."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from connectors.errors import BudgetExceededError


@dataclass
class ApiBudget:
    """Counts this job's calls and refuses the one that would pass its share of the daily quota, counting
    the calls its earlier runs made the same day (`earlier`): the share is per day, not per run.

    The quota's size is learnt from the CRM's headers (`Sforce-Limit-Info`, `X-HubSpot-RateLimit-Daily`);
    until it is known only the explicit `max_calls` (if any) limits the job.
    """

    connection: str
    share: float = 1.0
    max_calls: int | None = None
    calls: int = 0
    earlier: int = 0  # calls this job already made today, in earlier runs (the store keeps the day's tally)
    quota_limit: int | None = None
    quota_used: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allowed(self) -> int | None:
        """Calls this job may make in all, or None when unbounded so far."""
        limits = []
        if self.max_calls is not None:
            limits.append(self.max_calls)
        if self.quota_limit is not None:
            limits.append(math.floor(self.quota_limit * self.share))
        return min(limits) if limits else None

    def before_call(self) -> None:
        """Count one call, or raise BudgetExceededError if it would pass the share."""
        with self._lock:
            allowed = self.allowed()
            if allowed is not None and self.earlier + self.calls + 1 > allowed:
                raise BudgetExceededError(self.connection, self.earlier + self.calls, allowed)
            self.calls += 1

    def observe(self, used: int | None, limit: int | None) -> None:
        """Record the quota the CRM just reported."""
        with self._lock:
            if limit is not None:
                self.quota_limit = limit
            if used is not None:
                self.quota_used = used
