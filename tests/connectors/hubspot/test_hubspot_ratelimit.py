"""Proactive throttling from HubSpot's headers, and the bounded retry policy (with a fake clock)."""

from __future__ import annotations

import pytest

from connectors.errors import QuotaExhaustedError, RateLimitedError, RetriableError
from connectors.hubspot.ratelimit import RetryPolicy, SlidingWindow, Throttle


class StepClock:
    """Time stands still unless slept: the throttle's decisions are exact."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_full_window_waits_until_its_oldest_call_leaves() -> None:
    window = SlidingWindow(limit=3, interval=1.0)
    for moment in (0.0, 0.1, 0.2):
        window.record(moment)
    assert window.delay(0.3) == pytest.approx(0.7)
    assert window.delay(1.05) == 0.0


def test_calls_of_other_apps_seen_in_remaining_shrink_our_share() -> None:
    window = SlidingWindow(limit=10, interval=10.0)
    window.record(0.0)
    window.observe(limit=10, remaining=2, now=0.0)  # 8 used, 1 of them ours: others hold 7
    assert window.others == 7
    window.record(0.5)
    assert window.delay(0.6) == 0.0  # a third call of ours fills the window exactly
    window.record(0.6)
    assert window.delay(0.7) == pytest.approx(9.3)


def test_search_calls_are_spaced_to_five_a_second() -> None:
    clock = StepClock()
    throttle = Throttle(clock, margin=0.0)
    for _ in range(10):
        throttle.wait(is_search=True)
        throttle.record({}, is_search=True)
    assert sum(clock.sleeps) == pytest.approx(1.0)


def test_the_rolling_window_is_learnt_from_the_headers() -> None:
    clock = StepClock()
    throttle = Throttle(clock, margin=0.0)
    headers = {
        "x-hubspot-ratelimit-max": "4",
        "x-hubspot-ratelimit-remaining": "3",
        "x-hubspot-ratelimit-interval-milliseconds": "2000",
    }
    for _ in range(4):
        throttle.wait(is_search=False)
        throttle.record(headers, is_search=False)
    assert clock.sleeps == []
    throttle.wait(is_search=False)
    assert clock.sleeps == [pytest.approx(2.0)]


def test_retry_after_is_waited_and_retries_are_bounded() -> None:
    clock = StepClock()
    calls: list[int] = []

    def limited() -> None:
        calls.append(1)
        raise RateLimitedError("crm", "slow down", status=429, retry_after=3.0)

    with pytest.raises(RateLimitedError):
        RetryPolicy(attempts=4).run(clock, limited)
    assert len(calls) == 4
    assert len(clock.sleeps) == 3
    assert all(3.0 <= s <= 3.25 for s in clock.sleeps)


def test_backoff_grows_with_jitter_and_never_below_the_rate_limit_floor() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0, rate_limit_floor=1.0)
    for attempt, (low, high) in enumerate([(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (4.0, 8.0)], start=1):
        assert low <= policy.backoff(attempt, None, rate_limited=False) <= high
    assert policy.backoff(1, None, rate_limited=True) >= 1.0


def test_a_spent_daily_quota_is_never_retried_nor_slept_on() -> None:
    clock = StepClock()
    calls: list[int] = []

    def daily() -> None:
        calls.append(1)
        raise QuotaExhaustedError("crm", "daily limit", status=429, code="DAILY")

    with pytest.raises(QuotaExhaustedError):
        RetryPolicy().run(clock, daily)
    assert (len(calls), clock.sleeps) == (1, [])


def test_a_transient_failure_then_success_returns_the_answer() -> None:
    clock = StepClock()
    answers = iter([RetriableError("crm", "503", status=503), "ok"])

    def flaky() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert RetryPolicy().run(clock, flaky) == "ok"
    assert len(clock.sleeps) == 1


class RollingServer:
    """HubSpot's ten-secondly rolling window on the fake clock: a request counts when it arrives; a full
    window answers 429. Headers as HubSpot sends them (lower-cased, as the transport hands them over)."""

    def __init__(self, limit: int = 190, interval: float = 10.0) -> None:
        self.limit, self.interval = limit, interval
        self.window: list[float] = []
        self.admitted: list[float] = []
        self.refused = 0

    def hit(self, now: float) -> dict[str, str]:
        self.window = [t for t in self.window if now - t < self.interval]
        if len(self.window) >= self.limit:
            self.refused += 1
        else:
            self.window.append(now)
            self.admitted.append(now)
        return {"x-hubspot-ratelimit-max": str(self.limit),
                "x-hubspot-ratelimit-remaining": str(self.limit - len(self.window)),
                "x-hubspot-ratelimit-interval-milliseconds": str(int(self.interval * 1000))}  # fmt: skip

    def calls_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.admitted if start <= t < end)


def _call_until(throttle: Throttle, clock: StepClock, server: RollingServer, until: float, latency: float) -> None:
    while clock.now < until:
        throttle.wait(is_search=False)
        headers = server.hit(clock.now)
        clock.now += latency
        throttle.record(headers, is_search=False)


@pytest.mark.parametrize("latency", [0.001, 0.01, 0.04])
def test_after_a_burst_the_throttle_is_back_above_90_percent_of_the_limit_within_one_interval(latency) -> None:
    clock, server = StepClock(), RollingServer()
    start = clock.now
    throttle = Throttle(clock)
    _call_until(throttle, clock, server, start + 2.0, latency)  # the burst: as fast as the window lets us
    burst_end = clock.now
    _call_until(throttle, clock, server, burst_end + 30.0, latency)
    assert server.refused == 0
    # from one interval after the burst on, each interval is at least 90 % full
    for k in range(2):
        lo = burst_end + throttle.rolling.interval * (k + 1)
        assert server.calls_between(lo, lo + 10.0) >= 0.9 * server.limit, (k, server.calls_between(lo, lo + 10.0))


def test_after_another_apps_burst_the_throttle_takes_back_the_window_once_those_calls_leave_it() -> None:
    clock, server = StepClock(), RollingServer()
    for _ in range(150):  # another app of the account bursts, then stops
        server.hit(clock.now)
        clock.now += 0.01
    burst_end = clock.now
    throttle = Throttle(clock)
    throttle.record(server.hit(clock.now), is_search=False)  # our first answer tells us what the others hold
    _call_until(throttle, clock, server, burst_end + 40.0, 0.005)
    assert server.refused == 0
    lo = burst_end + throttle.rolling.interval
    assert server.calls_between(lo, lo + 10.0) >= 0.9 * server.limit


def test_calls_from_several_threads_never_pass_the_window_the_headers_announce() -> None:
    import threading
    import time

    from connectors.hubspot.ratelimit import SystemClock

    lock = threading.Lock()
    server = RollingServer(limit=6, interval=0.5)
    in_flight, most = [0], [0]
    throttle = Throttle(SystemClock(), margin=0.01)
    throttle.record(server.hit(time.monotonic()), is_search=False)  # the first answer tells the window

    def caller() -> None:
        for _ in range(5):
            throttle.wait(is_search=False)
            with lock:
                headers = server.hit(time.monotonic())
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.03)
            with lock:
                in_flight[0] -= 1
            throttle.record(headers, is_search=False)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(server.admitted) == 41
    assert server.refused == 0, "no call went past the window"
    assert 1 < most[0] <= server.limit, "calls overlap, never more than the window holds"
