"""A store filled by a real sync from fake CRMs (fakes over mocks), and deployments with enrichment sources."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from config import Deployment, Job, load_deployment
from sync import build_engine, run_sync, upgrade
from tests import fakes
from tests.fakes import FakeConnector

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # "today" of the enrichment runs: October 2026


@dataclass
class FakeCrm(fakes.FakeCrm):
    """The suite's fake CRM, read 50 records a page."""

    page_size: int = 50


def sf18(id15: str) -> str:
    """A 15-character Salesforce id with its case-checksum suffix, as the API returns it."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    chunks = (id15[k : k + 5] for k in range(0, 15, 5))
    return id15 + "".join(alphabet[sum(1 << j for j, c in enumerate(chunk) if c.isupper())] for chunk in chunks)


def sf_id(i: int) -> str:
    return sf18(f"001Ak{i:010d}")


def sf_account(i: int, stamp: datetime = T0, **extra: Any) -> dict[str, Any]:
    record = {"Id": sf_id(i), "Name": f"Acme {i}", "Website": f"https://www.acme{i}.com", "Industry": "Software",
              "NumberOfEmployees": 100 + i, "AnnualRevenue": "1000000", "BillingCountry": "US", "OwnerId": "005A",
              "SystemModstamp": stamp, "IsDeleted": False, "CreatedDate": T0 - timedelta(days=400)}  # fmt: skip
    return record | extra


def sf_opportunity(i: int, account: int, stamp: datetime = T0, **extra: Any) -> dict[str, Any]:
    record = {"Id": f"006{i:015d}", "AccountId": sf_id(account), "Name": f"Deal {i}", "Amount": "12000",
              "CurrencyIsoCode": "USD", "StageName": "Closed Won", "IsClosed": True, "IsWon": True,
              "Probability": 100, "CloseDate": "2026-01-15", "CreatedDate": T0 - timedelta(days=300),
              "Type": "New Business", "SystemModstamp": stamp, "IsDeleted": False}  # fmt: skip
    return record | extra


def hs_company(i: int, stamp: datetime = T0, **extra: Any) -> dict[str, Any]:
    record = {"hs_object_id": str(9000 + i), "name": f"Acme {i} GmbH", "domain": f"acme{i}.com",
              "industry": "SOFTWARE", "numberofemployees": "250", "hs_lastmodifieddate": stamp,
              "createdate": T0 - timedelta(days=200), "archived": False}  # fmt: skip
    return record | extra


def seed(crms: dict[str, FakeCrm]) -> None:
    """Salesforce accounts 0-4 (acme0.com ...) and two sharing shared.com (6, 7); HubSpot companies for acme0,
    acme1 (joined to Salesforce by domain) and acme5 (HubSpot only, key hs:9005); a won deal on account 0."""
    for i in range(5):
        crms["sf"].put("Account", sf_account(i, T0 + timedelta(minutes=i)))
    for i in (6, 7):
        crms["sf"].put("Account", sf_account(i, T0 + timedelta(minutes=i), Website="shared.com"))
    for i in (0, 1, 5):
        crms["hs"].put("companies", hs_company(i, T0 + timedelta(minutes=i)))
    crms["sf"].put("Opportunity", sf_opportunity(1, 0, T0))


BASE_CONFIG: dict[str, Any] = {
    "version": 1,
    "connections": {
        "sf": {"type": "salesforce", "login_url": "https://127.0.0.1:1", "auth": "client_credentials",
               "client_id": "${FAKE_ID:-x}", "client_secret": "${FAKE_SECRET:-y}"},
        "hs": {"type": "hubspot", "base_url": "https://127.0.0.1:2", "token": "${FAKE_TOKEN:-z}"},
    },
    "jobs": [{"name": "nightly", "sources": [{"connection": "sf", "objects": ["Account", "Opportunity"]},
                                             {"connection": "hs", "objects": ["companies"]}],
              "precedence": {"industry": "hubspot"}}],
}  # fmt: skip


@dataclass
class World:
    """The store after a first sync, the fake CRMs, and a way to write deployments with enrichment sources."""

    engine: Engine
    crms: dict[str, FakeCrm]
    folder: Path

    def factory(self, _deployment: Deployment, name: str, _job: Job) -> FakeConnector:
        return FakeConnector(self.crms[name])

    def sync(self, deployment: Deployment) -> None:
        summary = run_sync(deployment, "nightly", engine=self.engine, factory=self.factory)  # type: ignore[arg-type]
        assert summary.status == "succeeded", summary.errors

    def deployment(self, env: dict[str, str] | None = None, **sources: dict[str, Any]) -> Deployment:
        """A deployment whose job `nightly` lists `sources` (name -> EnrichmentSource fields) in order;
        `env` resolves `${VAR}` references (a SQL source's URL is a secret)."""
        config = {**BASE_CONFIG, "enrichment": sources}
        config["jobs"] = [{**BASE_CONFIG["jobs"][0], "enrich": list(sources)}]
        path = self.folder / "accountsync.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return load_deployment(path, env or {})

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text)
        return path


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """A migrated store (SQLite and PostgreSQL) holding the seeded accounts after one sync."""
    engine = build_engine(database_url)
    upgrade(engine)
    crms = {"sf": FakeCrm("sf", "salesforce"), "hs": FakeCrm("hs", "hubspot")}
    seed(crms)
    state = World(engine, crms, tmp_path)
    state.sync(state.deployment())
    yield state
    engine.dispose()
