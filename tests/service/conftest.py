"""Fixtures of the service tests: a deployment over the fake CRM, a migrated store, tokens per role, the app."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from accountsync.api import ApiState
from accountsync.web import create_app
from config import Deployment, Job, load_deployment
from sync import Account, AccountScore, ScoringRun, build_engine, session, upgrade
from sync.access.tokens import create_token, revoke_token
from sync.serve.service import DeploymentHolder

from .fakecrm import SECRET, FakeConnector, FakeCrm

with warnings.catch_warnings():  # starlette wants `httpx2` for its test client; httpx works (see the report)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTSYNC = str(Path(sys.executable).parent / "accountsync")
DEPLOYMENT_YAML = f"""
version: 1
connections:
  sf:
    type: salesforce
    login_url: https://127.0.0.1:1
    auth: client_credentials
    client_id: ${{FAKE_SF_ID:-fake-client-id}}
    client_secret: ${{FAKE_SF_SECRET:-{SECRET}}}
jobs:
  - name: nightly
    schedule: "*/5 * * * *"
    lookback_minutes: 10
    sources:
      - connection: sf
        objects: [Account]
  - name: manual
    sources:
      - connection: sf
        objects: [Opportunity]
"""
ROLES = ("metrics", "viewer", "operator", "admin")


def write_config(tmp_path: Path, text: str = DEPLOYMENT_YAML) -> Path:
    path = tmp_path / "accountsync.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def deployment(config_path: Path) -> Deployment:
    return load_deployment(config_path, {})


@pytest.fixture
def lite_store(sqlite_url: str) -> Iterator[Any]:
    """SQLite only: for tests of the faces that do not depend on the backend."""
    engine = build_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def lite_tokens(lite_store: Any) -> dict[str, str]:
    return {role: create_token(lite_store, name=f"{role}-token", role=role) for role in ROLES}


@pytest.fixture
def lite_client(lite_store: Any, config_path: Path) -> Iterator[TestClient]:
    with make_client(lite_store, config_path) as c:
        yield c


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm("sf").seed(12)


@pytest.fixture
def factory(crm: FakeCrm) -> Any:
    def build(_deployment: Deployment, _name: str, _job: Job) -> FakeConnector:
        return crm.connector()

    return build


@pytest.fixture
def tokens(store: Any) -> dict[str, str]:
    """A live token per role, plus a revoked one."""
    made = {role: create_token(store, name=f"{role}-token", role=role) for role in ROLES}
    made["revoked"] = create_token(store, name="revoked-token", role="admin")
    revoke_token(store, name="revoked-token")
    return made


def make_client(store: Any, config_path: Path) -> TestClient:
    holder = DeploymentHolder(lambda: load_deployment(config_path, {}))
    return TestClient(create_app(ApiState(store, holder)))


@pytest.fixture
def client(store: Any, config_path: Path) -> Iterator[TestClient]:
    with make_client(store, config_path) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


FORM_KEY = re.compile(r'name="csrf" value="([^"]+)"')


def form_key(page: str) -> str:
    """The CSRF key a dashboard page's form carries."""
    found = FORM_KEY.search(page)
    assert found is not None, page[:500]
    return found.group(1)


def sign_in(client: Any, token: str, **headers: str) -> Any:
    """Sign in as a browser does: open /login (its form key), post the form; the answer, not followed."""
    key = form_key(client.get("/login").text)
    return client.post("/login", data={"token": token, "csrf": key}, headers=headers, follow_redirects=False)


def seed_scores(engine: Any, n: int = 6, as_of: date = date(2026, 11, 1)) -> int:
    """A scoring run with `n` ranked accounts (tiers A..D) and portfolio KPIs; returns its id."""
    with session(engine) as s, s.begin():
        for i in range(n):
            s.merge(Account(key=f"sf:acc{i}", name=f"Acme {i}", industry="Software" if i % 2 else "Retail",
                            owner="Ada" if i < 3 else "Bob", country="US" if i % 3 else "DE"))  # fmt: skip
        run = ScoringRun(as_of=as_of, portfolio=PORTFOLIO)
        s.add(run)
        s.flush()
        assert run.id is not None
        for i in range(n):
            s.add(AccountScore(scoring_run_id=run.id, account_key=f"sf:acc{i}", score=90.0 - 12 * i, rank=i + 1,
                               tier="ABCD"[min(i // 2, 3)], figures={"arr": 1000.0 * (n - i), "health": 70.0},
                               reasons=[f"reason {i}a", f"reason {i}b"], change_reason=f"moved {i}"))  # fmt: skip
        return run.id


PORTFOLIO = {
    "as_of": "2026-11-01", "window_start": "2025-11-01", "currency": "USD", "accounts": 6, "customers": 4,
    "arr": 21000.0, "mrr": 1750.0, "arpa": 5250.0, "arr_at_start": 18000.0, "new": 5000.0, "expansion": 2000.0,
    "contraction": 1000.0, "churn": 3000.0, "grr": 0.777, "nrr": 0.888, "logo_churn_rate": 0.25,
    "revenue_churn_rate": 0.223, "win_rate_count": 0.4, "win_rate_amount": 0.35, "sales_cycle_days": 41.0,
    "open_pipeline": 50000.0, "weighted_pipeline": 20000.0,
    "stage_durations": [  # as `sync.scores.scoring` stores them: in pipeline order, not by name
        {"stage": "Prospecting", "stays": 9, "median_days": 6.5, "p90_days": 14.2},
        {"stage": "Negotiation", "stays": 4, "median_days": 21.0, "p90_days": 40.75},
    ],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    """An `accountsync serve` process of the test, with its JSON log lines. A page test that reads a seeded store
    runs it with `scheduler=False`: the scheduled job ("*/5") would otherwise fire when the test crosses a
    five-minute mark and store a scoring run of the fake CRM over the seeded one (CI saw it)."""

    def __init__(self, name: str, config: Path, database_url: str, log_dir: Path, *, scheduler: bool = True,
                 **env: str) -> None:  # fmt: skip
        self.name, self.port = name, free_port()
        self.log_path = log_dir / f"{name}.log"
        environ = os.environ | {"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
                                "ACCOUNTSYNC_CONNECTOR_FACTORY": "tests.service.fakecrm:build"} | env  # fmt: skip
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [ACCOUNTSYNC, "serve", "--config", str(config), "--port", str(self.port), "--poll-seconds", "0.2",
             *([] if scheduler else ["--no-scheduler"])],
            cwd=ROOT, env=environ, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer /healthz: {self.log_path.read_text()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self._log.close()
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self._log.close()

    def close(self) -> None:
        if not self._log.closed:
            self._log.close()

    def logs(self) -> str:
        return self.log_path.read_text()


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Replica]]:
    started: list[Replica] = []
    yield started
    for replica in started:
        if replica.process.poll() is None:
            replica.process.kill()
            replica.process.wait(timeout=10)
        replica.close()
