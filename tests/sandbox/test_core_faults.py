"""The fault plan: seeded and reproducible, matched by CRM/method/path, rendered in the CRM's own shape."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.errors import SpecError
from sandbox.faults import FaultPlan, FaultRule
from sandbox.server import Sandbox

QUERY = "/services/data/v62.0/query"


def _decisions(plan: FaultPlan, n: int, path: str = QUERY, crm: str = "salesforce") -> list[str | None]:
    out: list[str | None] = []
    for _ in range(n):
        decided = plan.decide(crm, "GET", path)
        out.append(decided[1].kind if decided else None)
    return out


def test_same_seed_gives_the_same_faults() -> None:
    rules = [FaultRule("salesforce", "server_unavailable", probability=0.3)]
    first, second, other = FaultPlan(seed=5), FaultPlan(seed=5), FaultPlan(seed=6)
    for plan in (first, second, other):
        plan.add(rules)
    assert _decisions(first, 200) == _decisions(second, 200)
    assert _decisions(first, 200) != _decisions(other, 200)


def test_probability_fires_about_that_share() -> None:
    plan = FaultPlan(seed=1)
    plan.add([FaultRule("salesforce", "status", code=500, probability=0.25)])
    assert _decisions(plan, 4000).count("status") == pytest.approx(1000, rel=0.1)


def test_after_skips_then_count_bursts_then_stops() -> None:
    plan = FaultPlan()
    plan.add([FaultRule("hubspot", "rate_limit", after=2, count=3)])
    assert _decisions(plan, 7, "/crm/v3/objects/deals", "hubspot") == [
        None, None, "rate_limit", "rate_limit", "rate_limit", None, None,
    ]  # fmt: skip
    assert plan.listing()[0] | {"seen": 7, "fired": 3} == plan.listing()[0]
    assert plan.listing()[0]["policy"] == "TEN_SECONDLY_ROLLING"


@pytest.mark.parametrize(
    ("rule", "method", "path", "crm", "fires"),
    [
        (FaultRule("salesforce", "quota", path="/services/data"), "GET", QUERY, "salesforce", True),
        (FaultRule("salesforce", "quota", path="/services/data"), "GET", QUERY, "hubspot", False),
        (FaultRule("salesforce", "quota", path="/services/oauth2"), "GET", QUERY, "salesforce", False),
        (FaultRule("hubspot", "drop", method="post"), "POST", "/crm/v3/x", "hubspot", True),
        (FaultRule("hubspot", "drop", method="post"), "GET", "/crm/v3/x", "hubspot", False),
        (FaultRule("hubspot", "slow", ms=5, path=r"/search$", regex=True), "POST", "/crm/v3/objects/deals/search",
         "hubspot", True),
        (FaultRule("hubspot", "slow", ms=5, path=r"/search$", regex=True), "POST", "/crm/v3/objects/deals",
         "hubspot", False),
    ],
)  # fmt: skip
def test_rules_match_by_crm_method_and_path(rule: FaultRule, method: str, path: str, crm: str, fires: bool) -> None:
    plan = FaultPlan()
    plan.add([rule])
    assert (plan.decide(crm, method, path) is not None) == fires


def test_the_first_firing_rule_wins_but_every_matching_rule_counts() -> None:
    plan = FaultPlan()
    plan.add([FaultRule("salesforce", "session_expiry", count=1), FaultRule("salesforce", "quota", count=1)])
    assert _decisions(plan, 3) == ["session_expiry", "quota", None]
    assert [r["seen"] for r in plan.listing()] == [3, 3]


@pytest.mark.parametrize(
    "fields",
    [
        {"crm": "pipedrive", "kind": "status", "code": 500},
        {"crm": "hubspot", "kind": "explode"},
        {"crm": "hubspot", "kind": "status"},
        {"crm": "hubspot", "kind": "status", "code": 200},
        {"crm": "hubspot", "kind": "rate_limit", "policy": "HOURLY"},
        {"crm": "hubspot", "kind": "slow"},
        {"crm": "hubspot", "kind": "drop", "count": 0},
        {"crm": "hubspot", "kind": "drop", "probability": 1.5},
        {"crm": "hubspot", "kind": "drop", "after": -1},
        {"crm": "hubspot", "kind": "drop", "path": "(", "regex": True},
        {"crm": "hubspot", "kind": "drop", "colour": "red"},
    ],
)
def test_an_impossible_rule_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        FaultRule.from_json(fields)


def test_a_fired_status_is_rendered_by_the_half_and_logged(stub_sandbox: Sandbox) -> None:
    stub_sandbox.add_fault(crm="salesforce", kind="status", code=500, count=1, message="boom")
    with httpx.Client(verify=stub_sandbox.ssl_context()) as client:
        first = client.get(f"{stub_sandbox.sf_url}{QUERY}")
        second = client.get(f"{stub_sandbox.sf_url}{QUERY}")
    assert (first.status_code, first.json()) == (500, [{"errorCode": "STATUS", "message": "boom"}])
    assert second.status_code == 200
    stats = stub_sandbox.stats()
    assert stats["statuses"]["salesforce"] == {"200": 1, "500": 1}
    assert stats["faults"]["salesforce"] == {"status": 1}


def test_a_dropped_connection_gets_no_response(stub_sandbox: Sandbox) -> None:
    stub_sandbox.add_fault(crm="hubspot", kind="drop", count=1)
    with httpx.Client(verify=stub_sandbox.ssl_context()) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{stub_sandbox.hs_url}/crm/v3/objects/deals")
        assert client.get(f"{stub_sandbox.hs_url}/crm/v3/objects/deals").status_code == 200
    assert stub_sandbox.stats()["statuses"]["hubspot"] == {"0": 1, "200": 1}


def test_a_slow_fault_delays_then_answers(stub_sandbox: Sandbox) -> None:
    stub_sandbox.add_fault(crm="hubspot", kind="slow", ms=300, count=1)
    started = time.perf_counter()
    response = httpx.get(f"{stub_sandbox.hs_url}/crm/v3/objects/deals", verify=stub_sandbox.ssl_context())
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_admin_paths_are_never_faulted(stub_sandbox: Sandbox) -> None:
    stub_sandbox.add_fault(crm="salesforce", kind="server_unavailable", path="/")
    response = httpx.get(f"{stub_sandbox.sf_url}/__sandbox/stats", verify=stub_sandbox.ssl_context())
    assert response.status_code == 200
