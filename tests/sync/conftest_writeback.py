"""Fixtures for the write-back tests through the sandbox: a fresh sandbox per test whose write calls are tapped,
a deployment pointing at it, the real connectors, and helpers to pull, score and count.

- `make_wb(url, accounts=..., objects=...)`: a `WbEnv` (sandbox + tap + config file + deployment + store).
- `WriteTap`: ASGI middleware around each CRM half that keeps the body and outcome of every write call
  (Salesforce `PATCH /composite/sobjects`, HubSpot `companies/batch/update`), numbered across both CRMs, and
  can SIGKILL the writer on a chosen call, before or after the CRM applies it.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import hubspot
import pytest
import requests
from simple_salesforce import Salesforce
from sqlalchemy import Engine
from sqlmodel import col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from typer.testing import CliRunner, Result

from accountsync.cli import app
from config import Deployment, load_deployment
from sandbox.runtime import Half, SandboxConfig, default_halves
from sandbox.server import Sandbox
from sandbox.world import WorldSpec
from sync import AccountScore, ScoringRun, SourceAccount, build_engine, session, upgrade
from sync.jobs import RunSummary, WritebackSummary, run_sync, run_writeback

__all__ = ["SentWrite", "WbEnv", "WriteTap", "crm_sdks", "free_port", "make_wb", "read_back"]

NOW = datetime(2026, 11, 1, tzinfo=UTC)
AS_OF = date(2026, 11, 1)
JOB = "wb"
REPO = Path(__file__).resolve().parents[2]
SF_FIELDS = {"score": "AccountSync_Score__c", "tier": "AccountSync_Tier__c", "rank": "AccountSync_Rank__c",
             "reasons": "AccountSync_Reasons__c", "health": "AccountSync_Health__c"}  # fmt: skip
HS_FIELDS = {"score": "accountsync_score", "tier": "accountsync_tier", "rank": "accountsync_rank",
             "reasons": "accountsync_reasons", "health": "accountsync_health"}  # fmt: skip
SF_WRITE = re.compile(r"^/services/data/v[0-9.]+/composite/sobjects$")
HS_WRITE = "/crm/v3/objects/companies/batch/update"
WRITE_ROUTES = {
    "salesforce": "PATCH /services/data/v{version}/composite/sobjects",
    "hubspot": "POST /crm/v3/objects/{object_type}/batch/update",
}


def _yaml(sf_objects: Sequence[str], hs_objects: Sequence[str], sf_create: bool, hs_first: bool) -> str:
    def fields(mapping: Mapping[str, str]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in mapping.items()) + "}"

    sf = f"      - connection: sf\n        object: Account\n        fields: {fields(SF_FIELDS)}\n"
    sf += "" if sf_create else "        create_missing_fields: false\n"
    hs = f"      - connection: hs\n        object: companies\n        fields: {fields(HS_FIELDS)}\n"
    return f"""version: 1
connections:
  sf:
    type: salesforce
    login_url: ${{WB_SF_URL}}
    auth: jwt
    client_id: ${{WB_SF_CLIENT_ID}}
    username: ${{WB_SF_USERNAME}}
    jwt_key_file: ${{WB_SF_KEY}}
    ca_bundle: ${{WB_CA}}
  hs:
    type: hubspot
    base_url: ${{WB_HS_URL}}
    token: ${{WB_HS_TOKEN}}
    ca_bundle: ${{WB_CA}}
jobs:
  - name: {JOB}
    sources:
      - connection: sf
        objects: [{", ".join(sf_objects)}]
      - connection: hs
        objects: [{", ".join(hs_objects)}]
    rep_owned_fields: [{SF_FIELDS["tier"]}, {HS_FIELDS["tier"]}]
    writeback:
{hs + sf if hs_first else sf + hs}"""


# -- the tap ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentWrite:
    """One write call as the CRM received it: call number (across both CRMs), the values per record id, and
    the ids the CRM accepted."""

    crm: str
    call: int
    values: dict[str, dict[str, Any]]
    landed: frozenset[str]


@dataclass
class KillPlan:
    """SIGKILL the writer process on write call `at_call`: before the CRM applies it, or after (the CRM has
    the values but the writer never hears so)."""

    at_call: int
    after_apply: bool
    process: subprocess.Popen[bytes] | None = None
    started: threading.Event = field(default_factory=threading.Event)
    fired: bool = False

    def fire(self) -> None:
        if not self.started.wait(30) or self.process is None:
            raise RuntimeError("the writer process was never registered with the kill plan")
        os.kill(self.process.pid, signal.SIGKILL)
        self.fired = True


class WriteTap:
    """What every write call carried and which records landed; optionally kills the writer."""

    def __init__(self) -> None:
        self.writes: list[SentWrite] = []
        self.calls = 0
        self.kill: KillPlan | None = None
        self._lock = threading.Lock()

    def next_call(self) -> tuple[int, KillPlan | None]:
        with self._lock:
            self.calls += 1
            due = self.kill if self.kill is not None and self.kill.at_call == self.calls else None
            return self.calls, due

    def record(self, write: SentWrite) -> None:
        with self._lock:
            self.writes.append(write)

    def sent(self, crm: str | None = None) -> list[SentWrite]:
        with self._lock:
            return [w for w in self.writes if crm is None or w.crm == crm]

    def landed(self, crm: str) -> Counter[tuple[str, str]]:
        """How many times each (record id, field) landed in the CRM."""
        counts: Counter[tuple[str, str]] = Counter()
        for write in self.sent(crm):
            for rid in write.landed:
                counts.update((rid, name) for name in write.values[rid])
        return counts

    def values(self, crm: str) -> dict[str, dict[str, Any]]:
        """Every record's values as sent (later calls win)."""
        out: dict[str, dict[str, Any]] = {}
        for write in self.sent(crm):
            for rid, values in write.values.items():
                out.setdefault(rid, {}).update(values)
        return out

    def clear(self) -> None:
        with self._lock:
            self.writes.clear()


def _is_write(crm: str, scope: Scope) -> bool:
    if crm == "salesforce":
        return scope["method"] == "PATCH" and bool(SF_WRITE.match(scope["path"]))
    return bool(scope["method"] == "POST" and scope["path"] == HS_WRITE)


def _sent_values(crm: str, body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    if crm == "salesforce":
        return {r["id"]: {k: v for k, v in r.items() if k not in ("attributes", "id")} for r in body["records"]}
    return {str(i["id"]): dict(i["properties"]) for i in body["inputs"]}


def _landed(crm: str, ids: list[str], status: int, answer: Any) -> frozenset[str]:
    if status >= 300 and status != 207:
        return frozenset()
    if crm == "salesforce":
        return frozenset(rid for rid, a in zip(ids, answer, strict=False) if a.get("success"))
    return frozenset(str(r["id"]) for r in answer.get("results") or [])


class TapMiddleware:
    """Around one CRM half's app (inside the request log and the fault plan)."""

    def __init__(self, app: ASGIApp, tap: WriteTap, crm: str) -> None:
        self.app, self.tap, self.crm = app, tap, crm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_write(self.crm, scope):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        call, kill = self.tap.next_call()
        if kill is not None and not kill.after_apply:
            kill.fire()
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        replies: list[Message] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def keep(message: Message) -> None:
            replies.append(message)

        await self.app(scope, replay, keep)
        self._record(call, body, replies)
        if kill is not None:
            kill.fire()
        for message in replies:
            await send(message)

    def _record(self, call: int, body: bytes, replies: list[Message]) -> None:
        values = _sent_values(self.crm, json.loads(body))
        status = next(m["status"] for m in replies if m["type"] == "http.response.start")
        raw = b"".join(m.get("body", b"") for m in replies if m["type"] == "http.response.body")
        answer = json.loads(raw) if raw else None
        self.tap.record(SentWrite(self.crm, call, values, _landed(self.crm, list(values), status, answer)))


def tapped_halves(tap: WriteTap) -> dict[Any, Half]:
    """The real CRM halves, each app wrapped in the tap."""

    def wrap(make: Callable[[Any, Any], ASGIApp], crm: str) -> Callable[[Any, Any], ASGIApp]:
        return lambda org, ctx: TapMiddleware(make(org, ctx), tap, crm)

    return {crm: Half(h.from_world, wrap(h.create_app, crm), h.render_fault) for crm, h in default_halves().items()}


# -- the environment ----------------------------------------------------------------------------------------


@dataclass
class WbEnv:
    """A sandbox with its tap, a deployment pointing at it (config file + environment) and a store."""

    sb: Sandbox
    tap: WriteTap
    config: Path
    env: dict[str, str]
    deployment: Deployment
    engine: Engine
    url: str

    def pull(self) -> RunSummary:
        summary = run_sync(self.deployment, JOB, engine=self.engine)  # the real connectors (build_connector)
        # a pull right after a write-back may see records the CRM stamped after run_start (the sandbox's stamps
        # run ahead in a burst of writes): the audit then re-pulls (see the xfail in test_writeback_sandbox.py)
        assert all(e["kind"] == "reconciliation" for e in summary.errors), summary
        assert summary.status in ("succeeded", "partial"), summary
        return summary

    def writeback(self, *, dry_run: bool = False) -> WritebackSummary:
        return run_writeback(self.deployment, JOB, engine=self.engine, dry_run=dry_run)

    def live(self, connection: str) -> list[SourceAccount]:
        """Live scored-to-be CRM records of a connection (what the write-back plans over)."""
        with session(self.engine) as s:
            return list(
                s.exec(
                    select(SourceAccount).where(SourceAccount.connection == connection)
                    .where(col(SourceAccount.deleted_at).is_(None), col(SourceAccount.account_key).is_not(None))
                ).all()
            )  # fmt: skip

    def keys(self) -> list[str]:
        return sorted({r.account_key or "" for conn in ("sf", "hs") for r in self.live(conn)})

    def write_calls(self, crm: str) -> int:
        """Write calls the sandbox's request log counted (answered ones, by route)."""
        return int(self.sb.stats()["routes"].get(crm, {}).get(WRITE_ROUTES[crm], {}).get("count", 0))

    def logged_writes(self) -> int:
        """Write calls in the sandbox's request log, by method and path (answered or not)."""
        return sum(1 for e in self.sb.log.recent if _is_write(e.crm, {"method": e.method, "path": e.path}))

    def cli_env(self) -> dict[str, str]:
        """What `accountsync` needs besides the config file: the sandbox's credentials and URLs, the store."""
        return {**self.env, "DATABASE_URL": self.url, "ACCOUNTSYNC_STATE_DIR": str(self.config.parent)}

    def run_cli(self, *args: str) -> Result:
        """`accountsync ARGS` in this process (typer's runner)."""
        return CliRunner().invoke(app, list(args), env=self.cli_env())

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        """`accountsync ARGS` in a child process (stdout and stderr piped)."""
        command, env = [sys.executable, "-m", "accountsync", *args], {**os.environ, **self.cli_env()}
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def insert_scores(engine: Engine, figures: Mapping[str, Mapping[str, Any]], as_of: date = AS_OF) -> int:
    """A scoring run with exactly these figures per account key (score, tier, rank, reasons, health)."""
    with session(engine) as s, s.begin():
        run = ScoringRun(as_of=as_of)
        s.add(run)
        s.flush()
        assert run.id is not None
        for key, f in figures.items():
            row = AccountScore(scoring_run_id=run.id, account_key=key, score=f["score"], tier=f["tier"],
                               rank=f["rank"], reasons=list(f["reasons"]), figures={"health": f["health"]})  # fmt: skip
            s.add(row)
        return run.id


def seeded_figures(keys: Sequence[str], seed: int) -> dict[str, dict[str, Any]]:
    """Deterministic figures for `keys`: a score with one decimal, its tier, rank by score, two reasons."""
    rng = random.Random(seed)
    scores = {k: round(rng.uniform(0, 100), 1) for k in keys}
    ranked = sorted(keys, key=lambda k: (-scores[k], k))
    return {
        k: {"score": scores[k], "tier": "A" if scores[k] >= 75 else "B" if scores[k] >= 50 else "C",
            "rank": ranked.index(k) + 1, "health": round(rng.uniform(0, 100), 1),
            "reasons": [f"Fit {rng.randint(0, 40)} points", f"Momentum {rng.randint(0, 30)} points"]}
        for k in keys
    }  # fmt: skip


@pytest.fixture
def make_wb(tmp_path: Path) -> Iterator[Callable[..., WbEnv]]:
    """A fresh tapped sandbox on a seeded world, a deployment pointing at it, and a migrated store at `url`."""
    made: list[WbEnv] = []

    def make(
        url: str,
        *,
        accounts: int = 160,
        seed: int = 7,
        sf_objects: Sequence[str] = ("Account",),
        hs_objects: Sequence[str] = ("companies",),
        sf_create: bool = True,
        hs_first: bool = False,
    ) -> WbEnv:
        tap = WriteTap()
        world = WorldSpec(seed=seed, accounts=accounts, now=NOW)
        sb = Sandbox(SandboxConfig(world=world), halves=tapped_halves(tap)).start()
        c = sb.credentials
        env = {"WB_SF_URL": sb.sf_url, "WB_SF_CLIENT_ID": c.sf_client_id, "WB_SF_USERNAME": c.sf_username,
               "WB_SF_KEY": str(c.sf_private_key_path), "WB_CA": str(sb.ca_path), "WB_HS_URL": sb.hs_url,
               "WB_HS_TOKEN": c.hs_token}  # fmt: skip
        config = tmp_path / f"wb{len(made)}.yaml"
        config.write_text(_yaml(sf_objects, hs_objects, sf_create, hs_first))
        engine = build_engine(url)
        upgrade(engine)
        made.append(WbEnv(sb, tap, config, env, load_deployment(config, env), engine, url))
        return made[-1]

    yield make
    for wb in made:
        wb.engine.dispose()
        wb.sb.stop()


# -- the real SDKs, as a rep's tools and an integration engineer would read the CRMs --------------------------


@contextmanager
def crm_sdks(wb: WbEnv) -> Iterator[tuple[Salesforce, hubspot.Client]]:
    """simple-salesforce (client-credentials login) and the HubSpot SDK on the env's sandbox, closed after."""
    http = requests.Session()
    http.verify, http.trust_env = str(wb.sb.ca_path), False
    creds = wb.sb.credentials
    form = {"grant_type": "client_credentials", "client_id": creds.sf_client_id,
            "client_secret": creds.sf_client_secret}  # fmt: skip
    token = http.post(wb.sb.sf_url + "/services/oauth2/token", data=form, timeout=30).json()
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=http,
                    version="62.0")  # fmt: skip
    hs = hubspot.Client.create(access_token=creds.hs_token, host=wb.sb.hs_url, ssl_ca_cert=str(wb.sb.ca_path))
    try:
        yield sf, hs
    finally:
        http.close()


def read_back(sf: Salesforce, hs: hubspot.Client) -> dict[str, dict[str, dict[str, Any]]]:
    """Every account's and company's write-back fields as the CRMs hold them now, read through the SDKs."""
    soql = f"SELECT Id, {', '.join(SF_FIELDS.values())} FROM Account"
    accounts = {r["Id"]: {k: r.get(k) for k in SF_FIELDS.values()} for r in sf.query_all(soql)["records"]}
    companies = hs.crm.companies.get_all(properties=list(HS_FIELDS.values()))
    return {"sf": accounts, "hs": {c.id: {k: c.properties.get(k) for k in HS_FIELDS.values()} for c in companies}}


def free_port() -> int:
    """A port nothing listens on now (for `accountsync serve` in a child process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
