"""A fake CRM connector (fakes over mocks): in-memory records read in modstamp order, with positions."""

from __future__ import annotations

from typing import Any

import pytest

from config import Deployment, Job, load_deployment
from tests.fakes import FakeConnector, FakeCrm

from .conftest_e2e import *  # noqa: F403
from .conftest_writeback import *  # noqa: F403

DEPLOYMENT_YAML = """
version: 1
connections:
  sf:
    type: salesforce
    login_url: https://127.0.0.1:1
    auth: client_credentials
    client_id: ${FAKE_ID:-x}
    client_secret: ${FAKE_SECRET:-y}
  hs:
    type: hubspot
    base_url: https://127.0.0.1:2
    token: ${FAKE_TOKEN:-z}
jobs:
  - name: nightly
    lookback_minutes: 10
    sources:
      - connection: sf
        objects: [Account, Opportunity]
      - connection: hs
        objects: [companies]
    precedence: {industry: hubspot, employees: most_recent}
"""


@pytest.fixture
def deployment(tmp_path: Any) -> Deployment:
    path = tmp_path / "deploy.yaml"
    path.write_text(DEPLOYMENT_YAML)
    return load_deployment(path, {})


@pytest.fixture
def crms() -> dict[str, FakeCrm]:
    return {"sf": FakeCrm("sf", "salesforce"), "hs": FakeCrm("hs", "hubspot")}


@pytest.fixture
def factory(crms: dict[str, FakeCrm]) -> Any:
    def build(_deployment: Deployment, name: str, _job: Job) -> FakeConnector:
        return crms[name].connector()

    return build
