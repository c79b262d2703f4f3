"""The request log: counters by CRM, route template and status; JSONL lines; admin calls counted apart."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.requestlog import LogEntry, RequestLog, route_template
from sandbox.server import Sandbox


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/services/data/v62.0/query", {"version": "62.0"}, "/services/data/v{version}/query"),
        ("/services/data/v62.0/sobjects/Account/describe", {"version": "62.0", "sobject": "Account"},
         "/services/data/v{version}/sobjects/{sobject}/describe"),
        ("/crm/v3/objects/companies", {"object_type": "companies"}, "/crm/v3/objects/{object_type}"),
        ("/crm/v3/objects/companies", {}, "/crm/v3/objects/companies"),
        ("/services/data/v62.0/query/01gABC-2000", {"version": "62.0", "locator": "01gABC-2000"},
         "/services/data/v{version}/query/{locator}"),
    ],
)  # fmt: skip
def test_route_template_replaces_path_param_values(path: str, params: dict[str, str], expected: str) -> None:
    assert route_template(path, params) == expected


def test_requests_records_routes_and_statuses_are_counted(stub_sandbox: Sandbox) -> None:
    with httpx.Client(verify=stub_sandbox.ssl_context()) as client:
        for n in (5, 7):
            client.get(f"{stub_sandbox.sf_url}/services/data/v62.0/query", params={"n": n})
        client.get(f"{stub_sandbox.hs_url}/crm/v3/objects/companies", params={"n": 100})
        client.get(f"{stub_sandbox.hs_url}/nowhere")
    stats = stub_sandbox.stats()
    assert stats["requests"] == {"salesforce": 2, "hubspot": 2}
    assert stats["records"] == {"salesforce": 12, "hubspot": 100}
    assert stats["routes"]["salesforce"] == {
        "GET /services/data/v{version}/query": {"count": 2, "records": 12, "ms": pytest.approx(0, abs=1000)}
    }
    assert stats["routes"]["hubspot"]["GET /crm/v3/objects/{object_type}"]["records"] == 100
    assert stats["statuses"] == {"salesforce": {"200": 2}, "hubspot": {"200": 1, "404": 1}}


def test_admin_calls_are_counted_apart_from_crm_api_calls(stub_sandbox: Sandbox) -> None:
    with httpx.Client(verify=stub_sandbox.ssl_context()) as client:
        client.get(f"{stub_sandbox.sf_url}/__sandbox/stats")
        client.get(f"{stub_sandbox.hs_url}/__sandbox/stats")
        stats = client.get(f"{stub_sandbox.hs_url}/__sandbox/stats").json()
    assert stats["requests"] == {}
    assert stats["admin_requests"] == {"salesforce": 1, "hubspot": 1}  # the third is still being answered


def test_reset_zeroes_the_counters(stub_sandbox: Sandbox) -> None:
    httpx.get(f"{stub_sandbox.sf_url}/services/data/v62.0/query", verify=stub_sandbox.ssl_context())
    response = httpx.post(f"{stub_sandbox.sf_url}/__sandbox/stats/reset", verify=stub_sandbox.ssl_context())
    assert response.json() == {"reset": True}
    assert stub_sandbox.stats()["requests"] == {}


def test_each_request_is_one_jsonl_line(tmp_path: Path, make_sandbox: Callable[..., Sandbox], stub_halves: Any) -> None:
    log_path = tmp_path / "requests.jsonl"
    sb = make_sandbox(accounts=10, halves=stub_halves, config={"request_log": log_path})
    httpx.get(f"{sb.sf_url}/services/data/v62.0/query?n=2&q=SELECT+Id", verify=sb.ssl_context())
    sb.log.flush()
    [line] = [json.loads(raw) for raw in log_path.read_text().splitlines()]
    assert line["crm"] == "salesforce"
    assert line["method"] == "GET"
    assert line["path"] == "/services/data/v62.0/query"
    assert line["query"] == "n=2&q=SELECT+Id"
    assert (line["status"], line["records"], line["admin"], line["fault"]) == (200, 2, False, None)
    assert line["route"] == "/services/data/v{version}/query"
    assert line["ms"] >= 0


def test_the_log_is_safe_to_share_between_threads(tmp_path: Path) -> None:
    log = RequestLog(tmp_path / "log.jsonl")
    entry = LogEntry("t", "hubspot", "GET", "/p", "", 200, 1.0, 2, "/p", False, None)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: log.record(entry), range(2000)))
    log.close()
    assert log.stats()["records"] == {"hubspot": 4000}
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 2000
