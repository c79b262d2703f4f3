"""Rate limits and injected faults, as the real client sees them: 429 bodies, headers, 401, 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hubspot.crm.companies import ApiException

from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import hubspot_halves

WORLD = WorldSpec(seed=7, accounts=50, now=datetime(2026, 11, 1, tzinfo=UTC))
UUID_LENGTH = 36


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


@pytest.fixture
def limits(hs_sandbox: Sandbox) -> Iterator[Any]:
    """Set limits for one test; the defaults (and empty windows) come back afterwards."""
    yield lambda **kw: hs_sandbox.admin("set_limits", "hubspot", **kw)
    hs_sandbox.admin("set_limits", "hubspot", ten_secondly=190, search_per_second=5, daily=1_000_000, enabled=True)
    hs_sandbox.admin("set_daily", "hubspot", remaining=1_000_000)


def _refused(call: Any) -> ApiException:
    with pytest.raises(ApiException) as caught:
        call()
    return caught.value


def test_normal_responses_carry_the_rate_limit_headers(client, limits) -> None:
    limits(ten_secondly=190)
    _, status, headers = client.crm.companies.basic_api.get_page_with_http_info(limit=1)
    assert status == 200
    assert headers["X-HubSpot-RateLimit-Max"] == "190"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "189"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert headers["X-HubSpot-RateLimit-Secondly"] == "19"
    assert int(headers["X-HubSpot-RateLimit-Secondly-Remaining"]) <= 18
    assert int(headers["X-HubSpot-RateLimit-Daily-Remaining"]) < int(headers["X-HubSpot-RateLimit-Daily"])
    assert len(headers["X-HubSpot-Correlation-Id"]) == UUID_LENGTH


def test_exceeding_the_ten_second_window_is_a_429_ten_secondly_rolling(client, limits) -> None:
    limits(ten_secondly=3)
    api = client.crm.companies.basic_api
    for _ in range(3):
        api.get_page(limit=1)
    error = _refused(lambda: api.get_page(limit=1))
    assert error.status == 429
    body = json.loads(error.body)
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["status"] == "error"
    assert body["groupName"]
    assert len(body["correlationId"]) == UUID_LENGTH
    assert "category" not in body
    assert error.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert error.headers["X-HubSpot-RateLimit-Max"] == "3"


def test_an_exhausted_day_is_a_429_daily(client, hs_sandbox, limits) -> None:
    limits(daily=1_000_000)
    hs_sandbox.admin("set_daily", "hubspot", remaining=0)
    error = _refused(lambda: client.crm.companies.basic_api.get_page(limit=1))
    body = json.loads(error.body)
    assert (error.status, body["policyName"], body["message"]) == (429, "DAILY", "You have reached your daily limit.")
    assert error.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


def test_search_has_its_own_five_per_second_limit(client, limits) -> None:
    limits(search_per_second=5)
    search = client.crm.companies.search_api
    for _ in range(5):
        search.do_search({"limit": 1})
    error = _refused(lambda: search.do_search({"limit": 1}))
    body = json.loads(error.body)
    assert error.status == 429
    assert body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    client.crm.companies.basic_api.get_page(limit=1)  # other endpoints are not held back


def test_limits_can_be_turned_off_for_benches(client, limits) -> None:
    limits(ten_secondly=2, enabled=False)
    for _ in range(5):
        client.crm.companies.basic_api.get_page(limit=1)


@pytest.mark.parametrize(
    ("rule", "status", "check"),
    [
        ({"kind": "rate_limit"}, 429, lambda b: b["policyName"] == "TEN_SECONDLY_ROLLING"),
        ({"kind": "rate_limit", "policy": "SECONDLY"}, 429, lambda b: b["policyName"] == "SECONDLY"),
        ({"kind": "quota"}, 429, lambda b: b["policyName"] == "DAILY"),
        ({"kind": "session_expiry"}, 401, lambda b: b["category"] == "INVALID_AUTHENTICATION"),
        ({"kind": "server_unavailable"}, 503, lambda b: b["status"] == "error"),
        ({"kind": "status", "code": 500}, 500, lambda b: b["category"] == "INTERNAL_ERROR"),
    ],
)
def test_injected_faults_render_in_hubspots_shapes(client, hs_sandbox, rule, status, check) -> None:
    hs_sandbox.add_fault(crm="hubspot", path="/crm/v3/objects/companies", count=1, **rule)
    error = _refused(lambda: client.crm.companies.basic_api.get_page(limit=1))
    assert error.status == status
    assert check(json.loads(error.body))
    assert client.crm.companies.basic_api.get_page(limit=1).results


def test_a_502_from_the_edge_is_html_not_json(client, hs_sandbox) -> None:
    hs_sandbox.add_fault(crm="hubspot", kind="status", code=502, count=1)
    error = _refused(lambda: client.crm.companies.basic_api.get_page(limit=1))
    assert error.status == 502
    assert error.body.lstrip().startswith("<html>")
