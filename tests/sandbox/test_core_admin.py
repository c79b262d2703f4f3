"""The `/__sandbox/*` admin routes, on both ports, backed by one runtime."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.persist import load_state
from sandbox.server import MANIFEST, Sandbox


@pytest.fixture
def client(stub_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stub_sandbox.sf_url, verify=stub_sandbox.ssl_context()) as c:
        yield c


def test_stats_include_org_snapshots_fault_rules_and_mutator(client: httpx.Client) -> None:
    stats = client.get("/__sandbox/stats").json()
    assert stats["orgs"] == {"salesforce": {"records": 20}, "hubspot": {"records": 20}}
    assert stats["fault_rules"] == []
    assert stats["mutator"]["running"] is False


def test_faults_are_added_listed_and_cleared_over_http(client: httpx.Client, stub_sandbox: Sandbox) -> None:
    rule = {"crm": "hubspot", "kind": "rate_limit", "policy": "SECONDLY", "count": 2}
    added = client.post("/__sandbox/faults", json={"rules": [rule]}).json()
    assert [(r["kind"], r["policy"], r["count"], r["fired"]) for r in added["rules"]] == [
        ("rate_limit", "SECONDLY", 2, 0)
    ]
    hs = httpx.get(f"{stub_sandbox.hs_url}/crm/v3/objects/deals", verify=stub_sandbox.ssl_context())
    assert hs.status_code == 429
    assert client.get("/__sandbox/faults").json()["rules"][0]["fired"] == 1
    assert client.delete("/__sandbox/faults").json()["rules"] == []


def test_a_single_rule_object_is_accepted_and_a_bad_one_is_a_400(client: httpx.Client) -> None:
    assert client.post("/__sandbox/faults", json={"crm": "salesforce", "kind": "quota"}).status_code == 200
    bad = client.post("/__sandbox/faults", json={"crm": "salesforce", "kind": "meteor"})
    assert bad.status_code == 400
    assert "kind must be one of" in bad.json()["error"]
    assert client.post("/__sandbox/faults", content=b"{nope").status_code == 400


def test_crm_admin_actions_reach_the_org_under_its_lock(client: httpx.Client, stub_sandbox: Sandbox) -> None:
    body = {"action": "update", "params": {"id": "3", "fields": {"name": "x"}}}
    assert client.post("/__sandbox/hubspot/admin", json=body).json() == {"id": "3"}
    got = client.post("/__sandbox/hubspot/admin", json={"action": "get", "params": {"id": "3"}})
    assert got.json() == {"n": 0, "name": "x"}
    assert stub_sandbox.admin("get", "hubspot", id="3") == {"n": 0, "name": "x"}
    assert stub_sandbox.admin("get", "salesforce", id="3") == {"n": 0}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/__sandbox/hubspot/admin", {"action": "explode"}, 400),
        ("/__sandbox/hubspot/admin", {"params": {}}, 400),
        ("/__sandbox/pipedrive/admin", {"action": "get"}, 404),
        ("/__sandbox/mutator", {"action": "dance"}, 400),
        ("/__sandbox/mutator", {"action": "start", "rate": 0}, 400),
    ],
)
def test_refused_admin_requests_answer_json_errors(
    client: httpx.Client, path: str, body: dict[str, object], status: int
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status
    assert "error" in response.json()


def test_mutator_steps_start_and_stop_over_http(client: httpx.Client) -> None:
    stepped = client.post("/__sandbox/mutator", json={"action": "step", "n": 3, "seed": 4}).json()
    assert stepped["done"] >= 3
    assert len(stepped["recent"]) >= 3
    started = client.post("/__sandbox/mutator", json={"action": "start", "rate": 50, "seed": 1}).json()
    assert started["running"] is True
    stopped = client.post("/__sandbox/mutator", json={"action": "stop"}).json()
    assert stopped["running"] is False


def test_persist_saves_the_orgs_to_a_state_file(client: httpx.Client, tmp_path: Path) -> None:
    target = tmp_path / "saved.pickle"
    assert client.post("/__sandbox/persist", json={"path": str(target)}).json() == {"path": str(target)}
    saved = load_state(target)
    assert sorted(saved.orgs) == ["hubspot", "salesforce"]
    assert saved.spec is not None
    assert saved.spec.accounts == 20


def test_info_and_the_manifest_file_say_how_to_reach_the_sandbox(client: httpx.Client, stub_sandbox: Sandbox) -> None:
    info = client.get("/__sandbox/info").json()
    assert info["salesforce"]["base_url"] == stub_sandbox.sf_url
    assert info["hubspot"]["base_url"] == stub_sandbox.hs_url
    assert info["ca_path"] == str(stub_sandbox.ca_path)
    assert info["credentials"]["hs_token"].startswith("pat-na1-")
    on_disk = json.loads((stub_sandbox.state_dir / MANIFEST).read_text())
    assert on_disk["credentials"] == info["credentials"]


def test_admin_is_served_on_the_hubspot_port_too(stub_sandbox: Sandbox) -> None:
    response = httpx.get(f"{stub_sandbox.hs_url}/__sandbox/info", verify=stub_sandbox.ssl_context())
    assert response.json()["hubspot"]["base_url"] == stub_sandbox.hs_url
