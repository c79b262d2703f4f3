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
