"""Fixtures for the sandbox tests: a shared running sandbox, a factory for fresh ones, and stub halves.

- `sandbox` (session): the real halves on a small fixed world (seed 7, 200 accounts, now 2026-11-01Z);
  fault rules, counters and the mutator are reset after every test that used it.
- `make_sandbox(**world_kwargs)`: a fresh sandbox per call (same defaults), stopped after the test;
  `config={...}` overrides `SandboxConfig` fields, `halves=` replaces the CRM halves.
- `stub_halves`: trivial CRM halves for testing the core alone (never used by the real server).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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
