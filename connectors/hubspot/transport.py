"""One HubSpot call: budget, throttle, the SDK method with raw JSON, the error table, bounded retries."""

from __future__ import annotations

import statistics
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import urllib3

from connectors.budget import ApiBudget
from connectors.hubspot.apis import API_EXCEPTIONS
from connectors.hubspot.errortable import Failure, failure_from_body, raise_for, transport_error
from connectors.hubspot.ratelimit import Clock, RetryPolicy, Throttle

__all__ = ["CallStats", "Reply", "Transport", "side_by_side"]

TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
ROUND_TRIPS = 8  # answered calls whose round trip `round_trip` takes the median of
First = TypeVar("First")
Second = TypeVar("Second")


def side_by_side(first: Callable[[], First], second: Callable[[], Second], name: str) -> tuple[First, Second]:
    """Two reads of one page in flight together (`second` in a thread named `name`), so the page costs one
    round trip of latency for both; the transport counts and throttles calls from several threads."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as aside:
        later = aside.submit(second)
        return first(), later.result()


@dataclass(frozen=True, slots=True)
class Reply:
    """A 2xx answer: status (200, 201, 204, 207), headers with lower-case names, parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass
class CallStats:
    """What the transport did: requests sent (retries included), 429s received, seconds throttled."""

    requests: int = 0
    rate_limited: int = 0
    retried: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


class Transport:
    """Runs SDK methods with `_preload_content=False`: the body is parsed once with orjson and the
    generated models (slow, and strict about shapes) are skipped; headers feed the throttle and budget.
    """

    def __init__(
        self, connection: str, budget: ApiBudget, throttle: Throttle, policy: RetryPolicy, clock: Clock
    ) -> None:
        self.connection = connection
        self.budget = budget
        self.throttle = throttle
        self.policy = policy
        self.clock = clock
        self.stats = CallStats()
        self._counting = threading.Lock()  # calls may run from several threads (a page fetched ahead)
        self._round_trips: dict[bool, deque[float]] = {kind: deque(maxlen=ROUND_TRIPS) for kind in (False, True)}

    def round_trip(self, *, search: bool = False) -> float | None:
        """The median seconds between sending a call and having its whole answer, over the last answered search
        calls (`search`) or other calls (throttle waits not counted); None before any."""
        with self._counting:
            samples = list(self._round_trips[search])
        return statistics.median(samples) if samples else None

    def call(
        self, operation: str, method: Callable[..., Any], *args: Any, search: bool = False, **kwargs: Any
    ) -> Reply:
        """Call `method(*args, **kwargs)` with retries; raise the error tree's error when it fails for good.

        Args:
            operation: what the call does, for messages (`search companies`).
            method: a bound method of a generated API object.
            *args: its positional arguments.
            search: whether the call counts against search's own per-second limit.
            **kwargs: its keyword arguments.
        """
        attempts = 0

        def attempt() -> Reply:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                with self._counting:
                    self.stats.retried += 1
            return self._once(operation, method, args, kwargs, search)

        return self.policy.run(self.clock, attempt)

    def _once(
        self, operation: str, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], search: bool
    ) -> Reply:
        self.budget.before_call()  # refuse before sleeping for a call that may not be made
        self.throttle.wait(is_search=search)
        with self._counting:
            self.stats.requests += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
        started = self.clock.monotonic()
        sent = self._send(method, args, kwargs, search)
        if isinstance(sent, Failure):
            # Raised outside the `except` so that the SDK's exception (and the raw response its traceback
            # holds, socket included) is not kept alive as our error's __context__.
            raise raise_for(self.connection, operation, sent)
        response = sent
        try:
            data = response.data
        finally:
            response.release_conn()
        with self._counting:
            self._round_trips[search].append(self.clock.monotonic() - started)
        headers = _lower(response.headers)
        self._observe(headers, search)
        try:
            body = orjson.loads(data) if data else None
        except orjson.JSONDecodeError:
            failure = Failure(response.status, "NOT_JSON", f"HTTP {response.status} answered a body that is not JSON")
            raise raise_for(self.connection, operation, failure) from None
        return Reply(response.status, headers, body)

    def _send(self, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], search: bool) -> Any:
        """The raw urllib3 response, or the Failure the SDK or urllib3 raised."""
        try:
            return method(*args, _preload_content=False, _request_timeout=TIMEOUT, **kwargs)
        except API_EXCEPTIONS as exc:
            headers = _lower(getattr(exc, "headers", None))
            self._observe(headers, search)
            status = int(getattr(exc, "status", 0) or 0)
            if status == 429:
                with self._counting:
                    self.stats.rate_limited += 1
            if status == 0:  # the SDK's own wrapping of a TLS failure
                return Failure(0, "TLS", str(getattr(exc, "reason", "TLS failure")).replace("\n", ": "))
            return failure_from_body(status, getattr(exc, "body", None), headers)
        except urllib3.exceptions.HTTPError as exc:
            self._observe({}, search)
            return transport_error(exc)

    def _observe(self, headers: Mapping[str, str], search: bool) -> None:
        self.throttle.record(headers, is_search=search)
        daily = headers.get("x-hubspot-ratelimit-daily")
        left = headers.get("x-hubspot-ratelimit-daily-remaining")
        # Absent for OAuth apps: the budget then knows only its explicit max_calls.
        if daily is not None and left is not None and daily.isdigit() and left.isdigit():
            self.budget.observe(int(daily) - int(left), int(daily))
