"""How many calls a connector has in flight at once: never more than its CRM's limits allow right now.

Concurrent reads (slices of one stream's window) take a slot around each call. The number of slots is asked
afresh each time one is wanted (`allowed()`, from the last limit headers and the job's budget share), so a
quota running low or a rate window filling up narrows the concurrency at once, down to one call at a time;
a call already in flight is never interrupted. `peak` records the most calls ever in flight together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["InFlightGate", "budget_headroom"]


@dataclass
class InFlightGate:
    """At most `min(ceiling, allowed())` calls in flight (at least one, so a read always moves on)."""

    ceiling: int
    allowed: Callable[[], int | None] = lambda: None
    in_flight: int = 0
    peak: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def limit(self) -> int:
        """Calls that may be in flight now."""
        told = self.allowed()
        return max(1, self.ceiling if told is None else min(self.ceiling, told))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of a call (waits until one is free)."""
        with self._cond:
            while self.in_flight >= self.limit():
                self._cond.wait(timeout=0.05)  # the limit may widen without a release (a window emptied)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()


def budget_headroom(allowed_calls: int | None, made: int, quota_left: int | None) -> int | None:
    """Calls that may still be made: the job's share left and the org's quota left (None: unbounded)."""
    left = [n for n in (None if allowed_calls is None else allowed_calls - made, quota_left) if n is not None]
    return max(0, min(left)) if left else None
