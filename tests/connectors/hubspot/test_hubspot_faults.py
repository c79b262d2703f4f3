"""Faults injected by the sandbox: 429 per policy, 5xx, dropped connections, a refused token; and proactive
throttling against the sandbox's real limits. Assertions count calls and sleeps, never wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import trustme

from connectors.base import Window
from connectors.budget import ApiBudget
from connectors.errors import (
    AuthError,
    BudgetExceededError,
    FatalError,
    QuotaExhaustedError,
    RateLimitedError,
    RetriableError,
)
from connectors.hubspot import RetryPolicy

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = Window(datetime(2020, 1, 1, tzinfo=UTC), NOW)
SEARCH = "/crm/v3/objects/companies/search"


@pytest.mark.parametrize("policy", ["SECONDLY", "TEN_SECONDLY_ROLLING"])
def test_a_short_window_429_is_retried_after_a_backoff(shared_sandbox, connector, fake_clock, policy) -> None:
    hs = connector(shared_sandbox, clock=fake_clock)
    spec = hs.streams(["companies"])[0]
    shared_sandbox.add_fault(crm="hubspot", kind="rate_limit", policy=policy, path=SEARCH, count=2)
    records = [r for page in hs.read(spec, WINDOW) for r in page.records]
    assert records
    assert hs.stats.rate_limited == 2
    assert hs.stats.by_operation["search companies"] == 3
    assert hs.stats.retried == 2
    assert len([s for s in fake_clock.sleeps if s >= 1.0]) >= 2  # backoffs (and, after Remaining: 0, a pause)


def test_the_daily_limit_stops_at_once_without_sleeping(shared_sandbox, connector, fake_clock) -> None:
    hs = connector(shared_sandbox, clock=fake_clock)
    spec = hs.streams(["companies"])[0]
    shared_sandbox.add_fault(crm="hubspot", kind="rate_limit", policy="DAILY", path=SEARCH)
    with pytest.raises(QuotaExhaustedError) as stopped:
        list(hs.read(spec, WINDOW))
    assert stopped.value.code == "DAILY"
    assert hs.stats.by_operation["search companies"] == 1
    assert fake_clock.sleeps == []


def test_the_daily_headers_feed_the_budget_which_stops_the_job(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    sb.admin("set_limits", "hubspot", daily=1000)
    sb.admin("set_daily", "hubspot", remaining=1000)
    budget = ApiBudget("hubspot-test", share=0.004)  # 4 calls of 1,000
    hs = connector(sb, budget=budget)
    for _ in range(4):
        hs.describe("companies")
    with pytest.raises(BudgetExceededError):
        hs.describe("companies")
    assert hs.quota().limit == 1000
    assert hs.quota().calls == 4


@pytest.mark.parametrize(
    ("kind", "code"), [("status", 503), ("status", 502), ("server_unavailable", None), ("drop", None)]
)
def test_transient_failures_are_retried_boundedly(shared_sandbox, connector, fake_clock, kind, code) -> None:
    hs = connector(shared_sandbox, clock=fake_clock, retry=RetryPolicy(attempts=3))
    shared_sandbox.add_fault(crm="hubspot", kind=kind, code=code, path="/crm/v3/properties/companies", count=2)
    assert hs.describe("companies").fields
    assert (hs.stats.requests, len(fake_clock.sleeps)) == (3, 2)
    shared_sandbox.add_fault(crm="hubspot", kind=kind, code=code, path="/crm/v3/properties/companies", count=5)
    with pytest.raises(RetriableError) as failed:
        hs.describe("companies")
    assert type(failed.value) is RetriableError
    assert hs.stats.requests == 6


def test_a_refused_token_names_the_connection_and_never_the_token(shared_sandbox, connector) -> None:
    wrong = "pat-na1-00000000-dead-beef-0000-000000000000"
    hs = connector(shared_sandbox, name="crm-emea", conn={"token": wrong})
    with pytest.raises(AuthError) as refused:
        hs.streams(["companies"])
    message = str(refused.value)
    assert message.startswith("crm-emea: ")
    assert wrong not in message
    assert wrong not in repr(hs)
    assert hs.stats.requests == 1


def test_proactive_throttling_makes_no_429_against_the_real_limits(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox(limits=True)
    hs = connector(sb)
    specs = hs.streams(["companies", "deals", "pipelines"])
    recent = Window(datetime.now(UTC) - timedelta(days=400), datetime.now(UTC))
    for spec in specs:
        for window in (Window(None, NOW), recent):
            assert sum(len(p.records) for p in hs.read(spec, window)) > 0
    for _ in range(12):  # a burst of searches: more than search's 5 a second
        hs.count(specs[0], recent)
    assert hs.stats.rate_limited == 0
    assert "429" not in sb.stats()["statuses"]["hubspot"]
    assert hs.throttle.waited > 0


def test_without_throttling_the_same_burst_meets_the_search_limit(fresh_sandbox, connector, fake_clock) -> None:
    sb = fresh_sandbox(limits=True)
    hs = connector(sb, throttle=False, clock=fake_clock, retry=RetryPolicy(attempts=1))
    spec = hs.streams(["companies"])[0]
    for _ in range(5):
        hs.count(spec, WINDOW)
    with pytest.raises(RateLimitedError) as limited:
        hs.count(spec, WINDOW)
    assert limited.value.code == "SECONDLY"


def test_an_untrusted_certificate_fails_at_once_and_is_never_retried(shared_sandbox, connector, tmp_path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    hs = connector(shared_sandbox, conn={"ca_bundle": other_ca})
    with pytest.raises(FatalError) as refused:
        hs.describe("companies")
    assert refused.value.code == "TLS"
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
    assert hs.stats.requests == 1
