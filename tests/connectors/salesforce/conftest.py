"""Fixtures: the local sandbox (a small org), connections to it, and a fake Salesforce on a requests adapter.

- `sandbox` (module): the real sandbox on a small world (seed 11, 60 accounts); faults are cleared after
  every test. Tests that change records pick their own records, so they can share it.
- `sf_conn(auth=...)`: a demo-config-like SalesforceConnection pointing at the sandbox.
- `fake_sf`: a `requests` transport adapter answering from routes (the `httpx.MockTransport` of
  `requests`), for faults the sandbox cannot produce; mounted on the session handed to `connect()`.
"""

from __future__ import annotations

import gc
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from config.models import SalesforceConnection
from connectors.salesforce import RetryPolicy, SalesforceConnector, connect

NOW = datetime(2026, 11, 1, tzinfo=UTC)
FAST_RETRY = RetryPolicy(attempts=4, base=0.01, cap=0.05, timeout=30)
FAKE_URL = "https://fake.my.salesforce.com"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from sandbox.runtime import SandboxConfig
    from sandbox.server import Sandbox
    from sandbox.world import WorldSpec

    with Sandbox(SandboxConfig(world=WorldSpec(seed=11, accounts=60, now=NOW))) as sb:
        yield sb
        gc.collect()  # responses kept alive by reference cycles hold sockets open: close them before the stop


@pytest.fixture
def fresh_sandbox() -> Iterator[Any]:
    """A sandbox of its own, for tests that change what the whole org answers."""
    from sandbox.runtime import SandboxConfig
    from sandbox.server import Sandbox
    from sandbox.world import WorldSpec

    with Sandbox(SandboxConfig(world=WorldSpec(seed=12, accounts=20, now=NOW))) as sb:
        yield sb
        gc.collect()


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").reset()


SfConn = Callable[..., SalesforceConnection]


@pytest.fixture
def sf_conn(request: pytest.FixtureRequest) -> SfConn:
    """Connections to `fresh_sandbox` when the test uses one, else to the module's `sandbox`."""
    name = "fresh_sandbox" if "fresh_sandbox" in request.fixturenames else "sandbox"
    sandbox = request.getfixturevalue(name)
    creds = sandbox.credentials

    def make(auth: str = "jwt", **changes: Any) -> SalesforceConnection:
        values: dict[str, Any] = {
            "type": "salesforce",
            "login_url": sandbox.sf_url,
            "auth": auth,
            "client_id": SecretStr(creds.sf_client_id),
            "api_version": "62.0",
            "ca_bundle": sandbox.ca_path,
        }
        if auth == "jwt":
            values |= {"username": creds.sf_username, "jwt_key_file": creds.sf_private_key_path}
        else:
            values["client_secret"] = SecretStr(creds.sf_client_secret)
        return SalesforceConnection(**(values | changes))

    return make


def stamp_text(moment: datetime) -> str:
    """An explicit SystemModstamp for sandbox admin calls."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def make_accounts(sandbox: Any, stamps: list[datetime], prefix: str) -> list[str]:
    """Accounts created through the sandbox admin with the given SystemModstamps; ids in (stamp, id) order."""
    made = []
    for i, stamp in enumerate(stamps):
        fields = {"Name": f"{prefix} {i}"}
        made.append((stamp, sandbox.admin("create", "salesforce", object="Account", fields=fields,
                                          stamp=stamp_text(stamp))["id"]))  # fmt: skip
    return [record_id for _, record_id in sorted(made)]


@pytest.fixture
def sf(sf_conn: SfConn) -> Iterator[SalesforceConnector]:
    """A connector on the sandbox with fast retries."""
    connector = connect("sandbox-sf", sf_conn(), retry=FAST_RETRY)
    yield connector
    connector.close()


Answer = tuple[int, Any, dict[str, str]] | BaseException


@dataclass
class FakeSalesforce(BaseAdapter):
    """Answers requests from routes; each route plays its answers in order, the last one repeating.

    A route's regex is searched in the path with its query string; the newest matching route wins.
    """

    routes: list[tuple[str, re.Pattern[str], list[Answer]]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    seen: list[requests.PreparedRequest] = field(default_factory=list)
    limit_info: str = "api-usage=10/15000"

    def __post_init__(self) -> None:
        super().__init__()

    def route(self, method: str, path_regex: str, *answers: Answer) -> None:
        self.routes.insert(0, (method, re.compile(path_regex), list(answers)))

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p in self.calls if method is None or m == method]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        target = "/" + url.split("://", 1)[-1].split("/", 1)[-1]  # path and query string
        method = request.method or "GET"
        self.calls.append((method, target.split("?", 1)[0]))
        self.seen.append(request)
        for want, pattern, answers in self.routes:
            if want == method and pattern.search(target):
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if isinstance(answer, BaseException):
                    raise answer
                return self._response(request, *answer)
        return self._response(request, 404, [{"errorCode": "NOT_FOUND", "message": "no fake route"}], {})

    def _response(self, request: requests.PreparedRequest, status: int, body: Any, headers: dict[str, str]):
        response = requests.Response()
        response.status_code = status
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"Sforce-Limit-Info": self.limit_info, **headers})
        response.raw = io.BytesIO(raw)
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def token_answer() -> tuple[int, Any, dict[str, str]]:
    return 200, {"access_token": "00Dfake!token", "instance_url": FAKE_URL, "token_type": "Bearer",
                 "id": f"{FAKE_URL}/id/00D000000000001AAA/005000000000001AAA"}, {}  # fmt: skip


@pytest.fixture
def fake_sf() -> FakeSalesforce:
    fake = FakeSalesforce()
    fake.route("POST", r"^/services/oauth2/token$", token_answer())
    return fake


@pytest.fixture
def fake_conn() -> SalesforceConnection:
    return SalesforceConnection(
        type="salesforce", login_url=FAKE_URL, auth="client_credentials", client_id=SecretStr("fake-client-id"),
        client_secret=SecretStr("fake-client-secret-value"),
    )  # fmt: skip


@pytest.fixture
def fake_connector(fake_sf: FakeSalesforce, fake_conn: SalesforceConnection) -> Iterator[SalesforceConnector]:
    session = requests.Session()
    session.mount("https://", fake_sf)
    connector = connect("fake-sf", fake_conn, retry=FAST_RETRY, session=session)
    yield connector
    connector.close()
