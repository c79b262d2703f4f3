"""Fixtures for the sandbox tests: a shared running sandbox, a factory for fresh ones, and stub halves.

- `sandbox` (session): the real halves on a small fixed world (seed 7, 200 accounts, now 2026-11-01Z);
  fault rules, counters and the mutator are reset after every test that used it.
- `make_sandbox(**world_kwargs)`: a fresh sandbox per call (same defaults), stopped after the test;
  `config={...}` overrides `SandboxConfig` fields, `halves=` replaces the CRM halves.
- `stub_halves`: trivial CRM halves for testing the core alone (never used by the real server).
- Salesforce through the real SDK: `http` (a requests session trusting the sandbox's CA) and `sf` (logged in
  with client credentials) on `sf_org`, the shared `sandbox` unless a module overrides `sf_org`.
- HubSpot through the real SDK: `client` (module) on the module's own `hs_sandbox` (`hubspot_halves` gives
  the real HubSpot half beside a stub Salesforce); its keep-alive connections are closed afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import hubspot
import pytest
import requests
import urllib3
from hubspot.discovery.discovery_base import DiscoveryBase
from simple_salesforce import Salesforce
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import hubspot as hs
from sandbox.context import SandboxContext
from sandbox.faults import Fault
from sandbox.runtime import Half, SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import CrmName, WorldSpec

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WORLD = WorldSpec(seed=7, accounts=200, now=NOW)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD)) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _reset_shared_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").reset()


MakeSandbox = Callable[..., Sandbox]


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    started: list[Sandbox] = []

    def make(*, config: dict[str, Any] | None = None, halves: dict[CrmName, Half] | None = None,
             **world_kwargs: Any) -> Sandbox:  # fmt: skip
        world = replace(WORLD, **world_kwargs) if world_kwargs else WORLD
        sb = Sandbox(SandboxConfig(world=world, **(config or {})), halves=halves).start()
        started.append(sb)
        return sb

    yield make
    for sb in reversed(started):
        sb.stop()


class StubOrg:
    """A plain-data org: `records` maps id -> fields; enough to exercise admin, mutator and persist."""

    def __init__(self, crm: CrmName, spec: WorldSpec) -> None:
        self.crm = crm
        self.records: dict[str, dict[str, Any]] = {str(i): {"n": 0} for i in range(spec.accounts)}

    def apply_admin(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        if action == "get":
            return dict(self.records[params["id"]])
        if action == "update":
            self.records[params["id"]].update(params["fields"])
            return {"id": params["id"]}
        raise KeyError(action)

    def mutate_random(self, rng: random.Random, now: datetime) -> dict[str, Any]:
        key = rng.choice(sorted(self.records))
        self.records[key]["n"] += 1
        return {"op": "update", "id": key, "at": now.isoformat()}

    def snapshot(self) -> dict[str, Any]:
        return {"records": len(self.records)}


def _stub_app(org: StubOrg, ctx: SandboxContext) -> Starlette:
    async def page(request: Request) -> Response:
        n = int(request.query_params.get("n", "3"))
        request.state.sandbox_records = n
        return JSONResponse({"crm": ctx.crm, "base_url": ctx.base_url, "records": list(range(n))})

    async def one(request: Request) -> Response:
        request.state.sandbox_records = 1
        return JSONResponse(org.records[request.path_params["record_id"]])

    return Starlette(
        routes=[
            Route("/services/data/v{version}/query", page),
            Route("/crm/v3/objects/{object_type}", page, methods=["GET", "POST"]),
            Route("/records/{record_id}", one),
        ]
    )


def _stub_fault(fault: Fault) -> Response:
    status = fault.code or {"rate_limit": 429, "session_expiry": 401, "quota": 403}.get(fault.kind, 503)
    return JSONResponse([{"errorCode": fault.kind.upper(), "message": fault.message or fault.kind}], status)


@pytest.fixture(scope="session")
def stub_halves() -> dict[CrmName, Half]:
    def half(crm: CrmName) -> Half:
        return Half(lambda spec: StubOrg(crm, spec), _stub_app, _stub_fault)

    return {"salesforce": half("salesforce"), "hubspot": half("hubspot")}


@pytest.fixture(scope="module")
def stub_sandbox(stub_halves: dict[CrmName, Half]) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=replace(WORLD, accounts=20)), halves=stub_halves) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _reset_stub_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stub_sandbox" in request.fixturenames:
        request.getfixturevalue("stub_sandbox").reset()


@pytest.fixture(scope="session")
def stub_org() -> type[StubOrg]:
    """The stub org class, for tests that build orgs themselves."""
    return StubOrg


# ---- the real SDKs against a sandbox ----------------------------------------------------------------------


def close_session(session: requests.Session) -> None:
    """Close the session's sockets: `Session.close()` leaves them open under urllib3 2 (`PoolManager.clear()`)."""
    for adapter in session.adapters.values():
        pools = adapter.poolmanager.pools  # type: ignore[attr-defined]
        for key in pools.keys():  # noqa: SIM118 - the container refuses plain iteration
            pools[key].close()
    session.close()


def sf_login(sb: Sandbox, http: requests.Session) -> Salesforce:
    """simple-salesforce logged in to the sandbox's org with the client-credentials grant."""
    creds = sb.credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": creds.sf_client_id,
        "client_secret": creds.sf_client_secret,
    }
    token = http.post(sb.sf_url + "/services/oauth2/token", data=form).json()
    return Salesforce(
        instance_url=token["instance_url"], session_id=token["access_token"], session=http, version="62.0"
    )


@pytest.fixture
def sf_org(sandbox: Sandbox) -> Sandbox:
    """The sandbox `http` and `sf` talk to (a module whose tests change the org overrides it)."""
    return sandbox


@pytest.fixture
def http(sf_org: Sandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.verify = str(sf_org.ca_path)
    session.trust_env = False
    yield session
    close_session(session)


@pytest.fixture
def sf(sf_org: Sandbox, http: requests.Session) -> Salesforce:
    return sf_login(sf_org, http)


def hubspot_halves(stub_halves: dict[CrmName, Half]) -> dict[CrmName, Half]:
    """The real HubSpot half beside a stub Salesforce (a HubSpot-only sandbox starts faster)."""
    return {**stub_halves, "hubspot": Half(hs.HubSpotAccount.from_world, hs.create_app, hs.render_fault)}


def close_pools(api: Any) -> None:
    """Close an SDK API's keep-alive connections (urllib3 2's `PoolManager.clear()` leaves them open)."""
    pools = api.api_client.rest_client.pool_manager.pools
    keys = pools.keys()
    for key in keys:
        pools[key].close()


def closing_hubspot_client(sb: Sandbox) -> Iterator[hubspot.Client]:
    """The real SDK against the sandbox; its keep-alive connections are closed afterwards."""
    made: list[Any] = []

    def factory(package: Any, name: str, config: dict[str, Any]) -> Any:
        made.append(DiscoveryBase._default_api_factory(package, name, config))
        return made[-1]

    yield hubspot.Client.create(access_token=sb.credentials.hs_token, host=sb.hs_url, ssl_ca_cert=str(sb.ca_path),
                                retry=urllib3.Retry(0), api_factory=factory)  # fmt: skip
    for api in made:
        close_pools(api)


@pytest.fixture(scope="module")
def client(hs_sandbox: Sandbox) -> Iterator[hubspot.Client]:
    """The real HubSpot SDK on the module's `hs_sandbox`."""
    yield from closing_hubspot_client(hs_sandbox)
