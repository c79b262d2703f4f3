"""Staying under HubSpot's rate limits before the server says so, and backing off when it does.

Proactive side (`Throttle`): every window HubSpot enforces is mirrored by a sliding log of this
connector's own calls, stamped when each answer *arrived* (the server counted the request at some moment
between sending and answering, so `answer + interval` is when it certainly left the server's window):

- the rolling window of `X-HubSpot-RateLimit-Max` calls per `-Interval-Milliseconds` (default 100 / 10 s
  until the first answer tells), shrunk by what other apps of the account use (`Max - Remaining` beyond
  our own calls);
- `X-HubSpot-RateLimit-Secondly` when sent;
- search's own 5 requests a second per account (no header tells it; search calls count in the rolling
  window as well).

Reactive side (`RetryPolicy`): tenacity retries `RetriableError` (which includes `RateLimitedError`) a
bounded number of times, waiting `Retry-After` when HubSpot sends it, else exponential backoff with jitter.
`QuotaExhaustedError` (DAILY) is a `StopError`: never retried, never slept on.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import tenacity

from connectors.errors import RetriableError

__all__ = ["Clock", "RetryPolicy", "SlidingWindow", "SystemClock", "Throttle"]

log = logging.getLogger(__name__)
T = TypeVar("T")

SEARCH_PER_SECOND = 5
DEFAULT_MAX = 100  # the lowest tier's calls per 10 s, until headers tell the real one
DEFAULT_INTERVAL_MS = 10_000


class Clock(Protocol):
    """Time as the throttle and the retry policy see it (a fake in tests that count calls)."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait this long."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """`time.sleep()`."""
        time.sleep(seconds)


@dataclass
class SlidingWindow:
    """At most `limit` calls in any `interval` seconds; `others` are calls of other apps seen in headers."""

    limit: int
    interval: float
    stamps: deque[float] = field(default_factory=deque)
    others: int = 0
    pending: int = 0  # our calls let through and not answered yet: they count as soon as they leave

    def _expire(self, now: float) -> None:
        while self.stamps and now - self.stamps[0] >= self.interval:
            self.stamps.popleft()

    def delay(self, now: float) -> float:
        """Seconds to wait before one more call fits."""
        self._expire(now)
        capacity = self.limit - self.others
        if capacity <= 0:
            # Other apps hold the whole window: wait a slice of it, then the next answer re-estimates.
            self.others = max(0, self.others - max(1, self.limit // 10))
            return self.interval / 10
        used = len(self.stamps) + self.pending
        if used < capacity:
            return 0.0
        if self.pending >= capacity or len(self.stamps) <= used - capacity:
            return self.interval / 10  # the window is held by calls still in flight: their answers will tell
        return max(0.0, self.stamps[used - capacity] + self.interval - now)

    def reserve(self) -> None:
        """One of our calls is let through (not answered yet)."""
        self.pending += 1

    def record(self, now: float) -> None:
        """One of our calls was answered now."""
        self.pending = max(0, self.pending - 1)
        self.stamps.append(now)

    def observe(self, limit: int, remaining: int, now: float, interval: float | None = None) -> None:
        """Take the server's limit and remaining count: what is used beyond our own calls is other apps'."""
        self.limit = max(1, limit)
        if interval is not None:
            self.interval = interval
        self._expire(now)
        self.others = max(0, self.limit - remaining - len(self.stamps) - self.pending)


def _int(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


@dataclass
class Throttle:
    """Waits before each call until it fits every window; learns the windows from HubSpot's headers.

    `margin` (seconds) is added to every interval against clock granularity; `enabled=False` turns
    proactive throttling off (benches against a sandbox with limits off).
    """

    clock: Clock
    enabled: bool = True
    margin: float = 0.02
    search_per_second: int = SEARCH_PER_SECOND
    waited: float = 0.0
    rolling: SlidingWindow = field(init=False)
    secondly: SlidingWindow | None = field(init=False, default=None)
    search: SlidingWindow = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.rolling = SlidingWindow(DEFAULT_MAX, DEFAULT_INTERVAL_MS / 1000 + self.margin)
        self.search = SlidingWindow(self.search_per_second, 1.0 + self.margin)

    def _windows(self, is_search: bool) -> list[SlidingWindow]:
        windows = [self.rolling]
        if self.secondly is not None:
            windows.append(self.secondly)
        if is_search:
            windows.append(self.search)
        return windows

    def calls_per_second(self) -> float:
        """The most calls a second the account's windows let through (the rolling one as the headers last told,
        and the secondly one when sent), whether or not this throttle enforces them."""
        with self._lock:
            rates = [w.limit / max(w.interval - self.margin, 1e-3) for w in self._windows(is_search=False)]
        return min(rates)

    def wait(self, *, is_search: bool) -> None:
        """Sleep until one more call (a search call when `is_search`) fits every window, counting the calls
        still in flight (several threads may call at once: each call let through holds its place until
        `record`)."""
        if not self.enabled:
            return
        while True:
            with self._lock:
                now = self.clock.monotonic()
                windows = self._windows(is_search)
                pause = max(w.delay(now) for w in windows)
                if pause <= 0:
                    for window in windows:
                        window.reserve()
                    return
                self.waited += pause
            self.clock.sleep(pause)

    def record(self, headers: Mapping[str, str], *, is_search: bool) -> None:
        """A call was answered (any status): stamp it and learn from the rate-limit headers (lower-case keys)."""
        with self._lock:
            self._record(headers, is_search)

    def _record(self, headers: Mapping[str, str], is_search: bool) -> None:
        now = self.clock.monotonic()
        for window in self._windows(is_search):
            window.record(now)
        limit = _int(headers, "x-hubspot-ratelimit-max")
        remaining = _int(headers, "x-hubspot-ratelimit-remaining")
        interval_ms = _int(headers, "x-hubspot-ratelimit-interval-milliseconds")
        if limit is not None and remaining is not None:
            interval = interval_ms / 1000 + self.margin if interval_ms else None
            self.rolling.observe(limit, remaining, now, interval)
        per_second = _int(headers, "x-hubspot-ratelimit-secondly")
        per_second_left = _int(headers, "x-hubspot-ratelimit-secondly-remaining")
        if per_second is not None and per_second_left is not None:
            if self.secondly is None:
                self.secondly = SlidingWindow(per_second, 1.0 + self.margin)
                self.secondly.record(now)
            self.secondly.observe(per_second, per_second_left, now)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of `RetriableError`: `Retry-After` when given, else exponential backoff with jitter.

    The n-th wait is `d/2 + uniform(0, d/2)` with `d = min(cap, base * 2**(n-1))` ("equal jitter": never
    zero, never in lockstep with other clients); rate-limit waits are at least `rate_limit_floor` seconds.
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 30.0
    rate_limit_floor: float = 1.0

    def backoff(self, attempt: int, retry_after: float | None, rate_limited: bool) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return retry_after + random.uniform(0, self.base / 4)
        delay = min(self.cap, self.base * 2.0 ** (attempt - 1))
        wait = delay / 2 + random.uniform(0, delay / 2)
        return max(wait, self.rate_limit_floor) if rate_limited else wait

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after if isinstance(exc, RetriableError) else None
        rate_limited = isinstance(exc, RetriableError) and exc.status == 429
        return self.backoff(state.attempt_number, retry_after, rate_limited)

    def run(self, clock: Clock, attempt: Callable[[], T]) -> T:
        """Call `attempt` until it succeeds, raises a non-retriable error, or the attempts are spent."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(RetriableError),
            sleep=clock.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        result: T = retrying(attempt)
        return result


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    sleep = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning("HubSpot call failed (attempt %d), retrying in %.2fs: %s", state.attempt_number, sleep, exc)
