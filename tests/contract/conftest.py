"""Fixtures for the contract suite: one running sandbox, and plain `requests` sessions authenticated to it.

Nothing here uses our connectors or an SDK's conveniences: a session is `requests` with the sandbox's CA,
a Salesforce token comes from a form POST to the OAuth token endpoint, a HubSpot one is the private app token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from sandbox.server import Sandbox, SandboxConfig
from sandbox.world import WorldSpec

WORLD = WorldSpec(seed=7, accounts=120, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="session")
def contract_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD)) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _reset_contract_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "contract_sandbox" in request.fixturenames:
        request.getfixturevalue("contract_sandbox").reset()


def plain_session(sb: Sandbox) -> requests.Session:
    session = requests.Session()
    session.verify = str(sb.ca_path)
    session.trust_env = False
    return session


def close(session: requests.Session) -> None:
    """Close the sockets too: `Session.close()` leaves pooled connections open under urllib3 2."""
    for adapter in session.adapters.values():
        pools = adapter.poolmanager.pools  # type: ignore[attr-defined]
        for key in pools.keys():  # noqa: SIM118 - the container refuses plain iteration
            pools[key].close()
    session.close()


@pytest.fixture
def sf_http(contract_sandbox: Sandbox) -> Iterator[requests.Session]:
    """A session carrying a Salesforce bearer token from the client-credentials grant."""
    session = plain_session(contract_sandbox)
    creds = contract_sandbox.credentials
    form = {"grant_type": "client_credentials", "client_id": creds.sf_client_id,
            "client_secret": creds.sf_client_secret}  # fmt: skip
    token = session.post(contract_sandbox.sf_url + "/services/oauth2/token", data=form)
    assert token.status_code == 200, token.text
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    yield session
    close(session)


@pytest.fixture
def hs_http(contract_sandbox: Sandbox) -> Iterator[requests.Session]:
    """A session carrying the HubSpot private app token."""
    session = plain_session(contract_sandbox)
    session.headers["Authorization"] = f"Bearer {contract_sandbox.credentials.hs_token}"
    yield session
    close(session)


# ---- comparing a body's shape with a documented example ----------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def shape_mismatches(
    example: object, actual: object, path: str = "$", open_maps: frozenset[str] = frozenset()
) -> list[str]:
    """Where `actual` differs from the documented `example` in key names or value types, path by path.

    An example array's first item is the shape of every actual item; an example `null` stands for a nullable
    value of any type. A path in `open_maps` (`$.results[].properties`) is a map whose keys vary by record:
    its values must be strings or null.
    """
    if path in open_maps:
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {_kind(actual)}"]
        return [f"{path}.{k}: expected string|null, got {_kind(v)}" for k, v in actual.items()
                if v is not None and not isinstance(v, str)]  # fmt: skip
    if example is None:
        return []
    if _kind(example) != _kind(actual):
        return [f"{path}: expected {_kind(example)}, got {_kind(actual)}"]
    if isinstance(example, dict):
        assert isinstance(actual, dict)
        out = [f"{path}: missing key {k!r}" for k in example if k not in actual]
        out += [f"{path}: unexpected key {k!r}" for k in actual if k not in example]
        for key in example.keys() & actual.keys():
            out += shape_mismatches(example[key], actual[key], f"{path}.{key}", open_maps)
        return out
    if isinstance(example, list) and example:
        assert isinstance(actual, list)
        return [m for item in actual for m in shape_mismatches(example[0], item, f"{path}[]", open_maps)]
    return []


class Contract:
    """One documented exchange checked against a live response: status, header names, body shape."""

    def check(self, response: requests.Response, status: int, headers: tuple[str, ...], example: object = None,
              open_maps: tuple[str, ...] = ()) -> None:  # fmt: skip
        assert response.status_code == status, response.text[:500]
        sent = set(dict(response.headers))  # the names exactly as they came off the wire
        missing = [h for h in headers if h not in sent]
        assert not missing, f"header names not sent in this exact case: {missing}; sent: {sorted(sent)}"
        if example is not None:
            problems = shape_mismatches(example, response.json(), open_maps=frozenset(open_maps))
            assert not problems, "\n".join(problems)

    def shape(self, example: object, body: object, open_maps: tuple[str, ...] = ()) -> None:
        problems = shape_mismatches(example, body, open_maps=frozenset(open_maps))
        assert not problems, "\n".join(problems)


@pytest.fixture
def contract() -> Contract:
    return Contract()
