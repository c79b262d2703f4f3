"""End-to-end fixtures: a fresh CRM sandbox per test, a config file pointing at it, the store (SQLite and
PostgreSQL), runs through the real connectors (`sync.connect.build_connector`), and the sandbox's own truth.

- `make_e2e(accounts=..., seed=..., **job)`: starts a sandbox on a small world, writes `config.yaml` for it
  (credentials and URLs as `${ENV}` references, the way `config/examples/demo.yaml` does), migrates the store
  named by `database_url`; `E2E.sync()` runs the job in-process, `E2E.cli()` starts `accountsync` itself.
- `sf_truth(sandbox, obj)` / `hs_truth(sandbox, obj)`: every record the CRM still holds (soft-deleted and
  archived ones included), read through the sandbox's admin `get`, with the values the store must hold.
- `store_view(engine, table, connection)`: the same view of what the store holds.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from sqlalchemy import Engine, text
from sqlmodel import select

from config import Deployment, load_deployment
from sandbox.catalog import PUBLIC_MAIL_DOMAINS
from sandbox.hubspot.store import ARCHIVED, LIVE
from sandbox.server import Sandbox, SandboxConfig
from sandbox.world import WorldSpec
from sync import Opportunity, ProductLine, SourceAccount, StageHistory, build_engine, session, upgrade
from sync.jobs import RunSummary, SyncOptions, default_factory, run_sync

__all__ = ["e2e_starter", "make_e2e"]

NOW = datetime(2026, 11, 1, tzinfo=UTC)
JOB = "e2e"
SF: Final = "salesforce"
HS: Final = "hubspot"
SF_OBJECTS = ["Account", "Opportunity", "OpportunityHistory", "OpportunityStage", "OpportunityLineItem", "CurrencyType"]
HS_OBJECTS = ["companies", "deals", "pipelines"]
ACCOUNTSYNC = Path(sys.executable).with_name("accountsync")


def job_config(sf: list[str] | None = SF_OBJECTS, hs: list[str] | None = HS_OBJECTS, **changes: Any) -> dict[str, Any]:
    """The e2e job: the `sf` and `hs` objects (None: not that CRM); `changes` replace keys of the job."""
    sources = [{"connection": name, "objects": objects} for name, objects in ((SF, sf), (HS, hs)) if objects]
    job: dict[str, Any] = {
        "name": JOB,
        "lookback_minutes": 10,
        "sources": sources,
        "precedence": {"name": "salesforce", "industry": "most_recent", "employees": "hubspot"},
    }
    return job | changes


def config_document(sb: Sandbox, job: dict[str, Any]) -> dict[str, Any]:
    """A deployment pointing at the sandbox; secrets and URLs are `${ENV}` references (see `E2E.env`)."""
    return {
        "version": 1,
        "connections": {
            SF: {"type": "salesforce", "login_url": "${ACCOUNTSYNC_SF_LOGIN_URL}", "auth": "jwt",
                 "client_id": "${SF_CLIENT_ID}", "username": "${SF_USERNAME}",
                 "jwt_key_file": str(sb.credentials.sf_private_key_path), "ca_bundle": str(sb.ca_path)},
            HS: {"type": "hubspot", "base_url": "${ACCOUNTSYNC_HS_BASE_URL}", "token": "${HUBSPOT_TOKEN}",
                 "ca_bundle": str(sb.ca_path), "link_property": "salesforce_account_id"},
        },
        "jobs": [job],
    }  # fmt: skip


@dataclass
class E2E:
    """One sandbox, one config file and one store; runs go through the real connectors."""

    sandbox: Sandbox
    database_url: str
    engine: Engine
    folder: Path
    job: dict[str, Any] = field(default_factory=job_config)

    @property
    def config(self) -> Path:
        return self.folder / "config.yaml"

    @property
    def env(self) -> dict[str, str]:
        """What the deployment's `${...}` references and the CLI read (the CLI also needs DATABASE_URL)."""
        creds = self.sandbox.credentials
        return {
            "SF_CLIENT_ID": creds.sf_client_id, "SF_USERNAME": creds.sf_username, "HUBSPOT_TOKEN": creds.hs_token,
            "ACCOUNTSYNC_SF_LOGIN_URL": self.sandbox.sf_url, "ACCOUNTSYNC_HS_BASE_URL": self.sandbox.hs_url,
            "DATABASE_URL": self.database_url,
        }  # fmt: skip

    def write_config(self, **changes: Any) -> Deployment:
        """Rewrite the config file with these job keys changed (see `job_config`); returns the deployment."""
        self.job = job_config(**changes)
        self.config.write_text(yaml.safe_dump(config_document(self.sandbox, self.job), sort_keys=False))
        return self.deployment()

    def deployment(self) -> Deployment:
        return load_deployment(self.config, self.env)

    def sync(self, *, full: bool = False, objects: tuple[str, ...] | None = None) -> RunSummary:
        """One run of the job, in-process, through `sync.connect.build_connector`."""
        options = SyncOptions(full=full, objects=objects, trigger="test")
        return run_sync(self.deployment(), JOB, engine=self.engine, options=options, factory=default_factory)

    def cli(self, *args: str, log: str = "cli") -> subprocess.Popen[bytes]:
        """`accountsync ARGS -c CONFIG` as a child process; its stdout and stderr go to `LOG.out` / `LOG.err`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCOUNTSYNC_", "DATABASE_URL"))}
        env |= self.env | {"ACCOUNTSYNC_STATE_DIR": str(self.folder / "state"), "COLUMNS": "200"}
        with (self.folder / f"{log}.out").open("wb") as out, (self.folder / f"{log}.err").open("wb") as err:
            return subprocess.Popen([str(ACCOUNTSYNC), *args, "-c", str(self.config)], env=env, stdout=out,
                                    stderr=err, cwd=self.folder)  # fmt: skip

    def output(self, log: str = "cli") -> tuple[str, str]:
        """What the child process `log` printed: (stdout, stderr)."""
        return tuple((self.folder / f"{log}.{kind}").read_text() for kind in ("out", "err"))  # type: ignore[return-value]


MakeE2E = Callable[..., E2E]


class Starter:
    """Starts sandboxes and stores for one test, and stops them all at its end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[tuple[Sandbox, Engine]] = []

    def __call__(self, database_url: str, *, accounts: int = 100, seed: int = 21, **job: Any) -> E2E:
        """A sandbox on a world of `accounts` (seed `seed`), a migrated store, a config with `job` changes."""
        sb = Sandbox(SandboxConfig(world=WorldSpec(seed=seed, accounts=accounts, now=NOW))).start()
        engine = build_engine(database_url)
        self.started.append((sb, engine))
        upgrade(engine)
        folder = self.folder / f"e2e{len(self.started)}"
        folder.mkdir()
        e2e = E2E(sb, database_url, engine, folder)
        e2e.write_config(**job)
        return e2e

    def stop(self) -> None:
        for sb, engine in reversed(self.started):
            engine.dispose()
            gc.collect()  # responses kept alive by reference cycles hold sockets open: close them before the stop
            sb.stop()


@pytest.fixture
def e2e_starter(tmp_path: Path) -> Iterator[Starter]:
    """`e2e_starter(url, accounts=..., seed=..., **job)` for tests that pick their store themselves."""
    starter = Starter(tmp_path)
    yield starter
    starter.stop()


@pytest.fixture
def make_e2e(e2e_starter: Starter, database_url: str) -> MakeE2E:
    """`make_e2e(accounts=100, seed=21, sf=[...], hs=[...], **job)`: a fresh sandbox and store (both backends)."""
    return partial(e2e_starter, database_url)


# ---- the sandbox's truth ---------------------------------------------------------------------------------


def domain(value: str | None) -> str | None:
    """Independent of `connectors.domains`: lower case, no scheme, no `www.`, no path; public mail domains never."""
    if not value:
        return None
    text = value.strip().lower().split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
    return None if not text or text in PUBLIC_MAIL_DOMAINS else text


def sf_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def hs_time(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).normalize()


def sf_ids(sb: Sandbox, obj: str) -> list[str]:
    """Every id the org still answers queryAll for (live and in the recycle bin)."""
    with sb.lock(SF):
        table = sb.sf_org.table(obj)  # type: ignore[attr-defined]
        return [table.id_of(row) for row in table.rows(include_deleted=True)]


def sf_truth(sb: Sandbox, obj: str) -> dict[str, dict[str, Any]]:
    """Salesforce records (soft-deleted included) as the store must hold them, by id."""
    records = {i: sb.admin("get", SF, object=obj, id=i) for i in sf_ids(sb, obj)}
    return {i: SF_VIEWS[obj](r) for i, r in records.items()}


def _sf_account(r: dict[str, Any]) -> dict[str, Any]:
    return {"name": r["Name"], "domain": domain(r["Website"]), "industry": r["Industry"],
            "employees": r["NumberOfEmployees"], "annual_revenue": money(r["AnnualRevenue"]),
            "country": r["BillingCountry"], "owner": r["OwnerId"], "parent": r["ParentId"],
            "link": r["HubSpot_Company_Id__c"], "merged_into": r["MasterRecordId"], "currency": r["CurrencyIsoCode"],
            "modstamp": sf_time(r["SystemModstamp"]), "deleted": r["IsDeleted"]}  # fmt: skip


def _sf_opportunity(r: dict[str, Any]) -> dict[str, Any]:
    probability = None if r["Probability"] is None else float(r["Probability"]) / 100
    return {"account": r["AccountId"], "name": r["Name"], "amount": money(r["Amount"]),
            "currency": r["CurrencyIsoCode"], "stage": r["StageName"], "is_closed": r["IsClosed"],
            "is_won": r["IsWon"], "probability": probability,
            "close_date": date.fromisoformat(r["CloseDate"]) if r["CloseDate"] else None,
            "created_at": sf_time(r["CreatedDate"]), "raw_type": r["Type"], "owner": r["OwnerId"],
            "modstamp": sf_time(r["SystemModstamp"]), "deleted": r["IsDeleted"]}  # fmt: skip


def _sf_history(r: dict[str, Any]) -> dict[str, Any]:
    return {"opportunity": r["OpportunityId"], "stage": r["StageName"], "entered_at": sf_time(r["CreatedDate"])}


def _sf_line_item(r: dict[str, Any]) -> dict[str, Any]:
    return {"opportunity": r["OpportunityId"], "total_price": money(r["TotalPrice"])}


SF_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "Account": _sf_account, "Opportunity": _sf_opportunity, "OpportunityHistory": _sf_history,
    "OpportunityLineItem": _sf_line_item,
}  # fmt: skip


def hs_ids(sb: Sandbox, obj: str) -> list[int]:
    """Every id the account still lists: live, and archived within the 90-day recycle bin."""
    with sb.lock(HS):
        account: Any = sb.hs_account
        store, now = account.stores[obj], account.clock.wall_ms()
        return [
            store.ids[row]
            for row in range(len(store.ids))
            if store.state[row] == LIVE or (store.state[row] == ARCHIVED and not store.expired(row, now))
        ]


def primary_company(sb: Sandbox, deal_id: int) -> str | None:
    """The deal's primary company as associations v4 answer (associations to archived records are hidden)."""
    from sandbox.hubspot.association_views import live_targets
    from sandbox.hubspot.object_types import object_type

    with sb.lock(HS):
        targets = live_targets(sb.hs_account, object_type("deals"), deal_id, "companies")  # type: ignore[arg-type]
    primary = [str(other) for other, kinds in targets if any(k.type_id == 5 for k in kinds)]
    found = primary or [str(other) for other, _ in targets]
    return found[0] if found else None


def hs_truth(sb: Sandbox, obj: str) -> dict[str, dict[str, Any]]:
    """HubSpot companies or deals (archived included) as the store must hold them, by id."""
    out = {}
    for object_id in hs_ids(sb, obj):
        record = sb.admin("get", HS, object=obj, id=object_id)
        view = HS_VIEWS[obj](record["properties"]) | {"deleted": record["state"] == "archived"}
        if obj == "deals" and not view["deleted"]:
            view["account"] = primary_company(sb, object_id)
        out[str(object_id)] = view
    return out


def _number(value: str | None) -> int | None:
    return None if value in (None, "") else int(Decimal(str(value)))


def _hs_company(p: dict[str, Any]) -> dict[str, Any]:
    return {"name": p["name"], "domain": domain(p["domain"]), "industry": p["industry"],
            "employees": _number(p["numberofemployees"]), "annual_revenue": money(p["annualrevenue"]),
            "country": p["country"], "owner": p["hubspot_owner_id"], "parent": p["hs_parent_company_id"],
            "link": p["salesforce_account_id"], "modstamp": hs_time(p["hs_lastmodifieddate"])}  # fmt: skip


def _hs_deal(p: dict[str, Any]) -> dict[str, Any]:
    closes = hs_time(p["closedate"])
    return {"name": p["dealname"], "amount": money(p["amount"]), "currency": p["deal_currency_code"],
            "stage": p["dealstage"], "is_closed": p["hs_is_closed"] == "true",
            "is_won": p["hs_is_closed_won"] == "true",
            "probability": None if p["hs_deal_stage_probability"] is None else float(p["hs_deal_stage_probability"]),
            "close_date": closes.date() if closes else None, "created_at": hs_time(p["createdate"]),
            "raw_type": p["dealtype"], "owner": p.get("hubspot_owner_id"),
            "modstamp": hs_time(p["hs_lastmodifieddate"])}  # fmt: skip


HS_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"companies": _hs_company, "deals": _hs_deal}


# ---- what the store holds --------------------------------------------------------------------------------


def _account_view(r: SourceAccount) -> dict[str, Any]:
    view = {"name": r.name, "domain": r.domain, "industry": r.industry, "employees": r.employees,
            "annual_revenue": money(r.annual_revenue), "country": r.country, "owner": r.owner,
            "parent": r.parent_source_id, "link": r.link_id, "modstamp": r.modstamp,
            "deleted": r.deleted_at is not None}  # fmt: skip
    if r.crm == SF:
        view |= {"merged_into": r.merged_into, "currency": r.currency}
    return view


def _opportunity_view(r: Opportunity, companies: dict[str, SourceAccount]) -> dict[str, Any]:
    account = _company(r.account_source_id, companies) if r.crm == HS else r.account_source_id
    view = {"account": account, "name": r.name, "amount": money(r.amount), "currency": r.currency,
            "stage": r.stage, "is_closed": r.is_closed, "is_won": r.is_won, "probability": r.probability,
            "close_date": r.close_date, "created_at": r.created_at, "raw_type": r.raw_type, "owner": r.owner,
            "modstamp": r.modstamp, "deleted": r.deleted_at is not None}  # fmt: skip
    if r.crm == HS and view["deleted"]:
        del view["account"]  # archived deals come without associations
    return view


def _company(source_id: str | None, companies: dict[str, SourceAccount]) -> str | None:
    """A deal's company as HubSpot associates it now: a merged-away company's survivor, none when deleted.

    (Merges and deletes move or hide associations without touching the deal, so the stored id may be older.)"""
    seen = 0
    while source_id in companies and companies[source_id].merged_into and seen < 16:
        source_id, seen = companies[source_id].merged_into, seen + 1
    found = companies.get(source_id or "")
    return None if found is not None and found.deleted_at is not None else source_id


def store_view(engine: Engine, table: str, connection: str) -> dict[str, dict[str, Any]]:
    """The store's rows of one connection, by CRM id, in the shape of `sf_truth` / `hs_truth`."""
    with session(engine) as s:
        if table in ("Account", "companies"):
            rows = s.exec(select(SourceAccount).where(SourceAccount.connection == connection)).all()
            return {r.source_id: _account_view(r) for r in rows}
        if table in ("Opportunity", "deals"):
            opps = s.exec(select(Opportunity).where(Opportunity.connection == connection)).all()
            rows = s.exec(select(SourceAccount).where(SourceAccount.connection == connection)).all()
            companies = {c.source_id: c for c in rows}
            return {r.source_id: _opportunity_view(r, companies) for r in opps}
        if table == "OpportunityHistory":
            history = s.exec(select(StageHistory).where(StageHistory.connection == connection)).all()
            return {str(h.source_id): {"opportunity": h.opportunity_source_id, "stage": h.stage,
                                       "entered_at": h.entered_at} for h in history}  # fmt: skip
        if table == "OpportunityLineItem":
            lines = s.exec(select(ProductLine).where(ProductLine.connection == connection)).all()
            return {p.source_id: {"opportunity": p.opportunity_source_id, "total_price": money(p.total_price)}
                    for p in lines}  # fmt: skip
    raise KeyError(table)


def differences(truth: dict[str, dict[str, Any]], stored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What differs: ids missing from the store, live ids the CRM no longer has (a record the CRM dropped
    for good may stay, marked deleted), and values (first ten of each)."""
    missing = sorted(set(truth) - set(stored))
    extra = sorted(i for i in set(stored) - set(truth) if not stored[i].get("deleted", False))
    values = {}
    for record_id in sorted(set(truth) & set(stored)):
        want, got = truth[record_id], stored[record_id]
        wrong = {k: (want[k], got.get(k)) for k in want if k in got and want[k] != got[k]}
        if wrong:
            values[record_id] = wrong
    found: dict[str, Any] = {"missing": missing[:10], "extra": extra[:10], "values": dict(list(values.items())[:10])}
    counts = {"counts": (len(missing), len(extra), len(values))} if missing or extra or values else {}
    return {k: v for k, v in found.items() if v} | counts


UNIQUE_KEYS = {  # table -> columns that name one record (stage history: its CRM id too, when it has one)
    "source_account": ("connection", "source_id"), "opportunity": ("connection", "source_id"),
    "product_line": ("connection", "source_id"),
    "stage_history": ("connection", "opportunity_source_id", "stage", "entered_at"),
    "stage_history WHERE source_id IS NOT NULL": ("source_id",),
}  # fmt: skip


def duplicates(engine: Engine) -> dict[str, int]:
    """Per table, how many keys are stored more than once (a resumed run must never store a record twice)."""
    found = {}
    with engine.connect() as conn:
        for table, keys in UNIQUE_KEYS.items():
            columns = ", ".join(keys)
            sql = f"SELECT count(*) FROM (SELECT {columns} FROM {table} GROUP BY {columns} HAVING count(*) > 1) d"
            if n := conn.execute(text(sql)).scalar_one():
                found[table] = n
    return found


def stamp_text(moment: datetime) -> str:
    """An explicit modstamp for the sandbox's admin `update` (ISO, milliseconds, Z)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
