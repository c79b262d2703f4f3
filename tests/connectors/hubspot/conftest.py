"""Fixtures for the HubSpot connector tests: the sandbox (shared and fresh), connectors on it, a fake clock.

- `shared_sandbox` (session): the real halves on a small fixed world, with HubSpot's rate limits off, for
  tests that only read; fault rules and counters are cleared after each test.
- `fresh_sandbox()`: a new sandbox per call (same world unless told), stopped after the test; for tests
  that change records, properties or limits.
- `connector(sb, **kwargs)`: a HubSpot connector on a sandbox, closed after the test.
- `FakeClock`: sleeps are recorded and advance its time, never the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from config.models import HubSpotConnection
from connectors.hubspot import HubSpotConnector, connect
from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WORLD = WorldSpec(seed=7, accounts=200, now=NOW)


class FakeClock:
    """Monotonic time that sleeps instantly: `sleeps` lists every wait asked for."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


def hubspot_connection(sb: Sandbox, **overrides: Any) -> HubSpotConnection:
    """The connection config a user would write for this sandbox."""
    fields: dict[str, Any] = {
        "type": "hubspot",
        "base_url": sb.hs_url,
        "token": SecretStr(sb.credentials.hs_token),
        "ca_bundle": sb.ca_path,
    }
    return HubSpotConnection(**{**fields, **overrides})


def limits_off(sb: Sandbox) -> Sandbox:
    sb.admin("set_limits", "hubspot", enabled=False)
    return sb


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD)) as sb:
        yield limits_off(sb)


@pytest.fixture(autouse=True)
def _reset_shared(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "shared_sandbox" in request.fixturenames:
        request.getfixturevalue("shared_sandbox").reset()


FreshSandbox = Callable[..., Sandbox]


@pytest.fixture
def fresh_sandbox() -> Iterator[FreshSandbox]:
    started: list[Sandbox] = []

    def make(*, limits: bool = False, **world: Any) -> Sandbox:
        sb = Sandbox(SandboxConfig(world=replace(WORLD, **world))).start()
        started.append(sb)
        return sb if limits else limits_off(sb)

    yield make
    for sb in reversed(started):
        sb.stop()


MakeConnector = Callable[..., HubSpotConnector]


@pytest.fixture
def connector() -> Iterator[MakeConnector]:
    made: list[HubSpotConnector] = []

    def make(sb: Sandbox, name: str = "hubspot-test", **kwargs: Any) -> HubSpotConnector:
        conn_overrides = kwargs.pop("conn", {})
        made.append(connect(name, hubspot_connection(sb, **conn_overrides), **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def connection_for() -> Callable[..., HubSpotConnection]:
    return hubspot_connection
