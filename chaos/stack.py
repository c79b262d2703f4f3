"""One real stack for a scenario run: the sandbox (in this process, tapped), a fresh store (an SQLite file or a
PostgreSQL schema of its own), a config file, and `accountsync` run as subprocesses that can be killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

import psycopg
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from chaos.secrets import SecretBook
from chaos.tap import TapState, tapped_halves
from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

__all__ = ["JOB", "PG_ADMIN", "Backend", "Proc", "Stack", "StackSpec", "store_dump"]

JOB: Final = "chaos"
PG_ADMIN: Final = os.environ.get("CHAOS_PG", "postgresql://postgres@127.0.0.1:5432/test")
WORLD_NOW: Final = datetime(2026, 11, 1, tzinfo=UTC)
SF_OBJECTS: Final = ["Account", "Opportunity", "OpportunityHistory", "OpportunityStage", "OpportunityLineItem",
                     "CurrencyType"]  # fmt: skip
HS_OBJECTS: Final = ["companies", "deals", "pipelines"]
WRITEBACK: Final = {
    "salesforce": ("Account", {"score": "AccountSync_Score__c", "tier": "AccountSync_Tier__c",
                               "rank": "AccountSync_Rank__c", "reasons": "AccountSync_Reasons__c",
                               "arr": "AccountSync_ARR__c", "health": "AccountSync_Health__c"}),
    "hubspot": ("companies", {"score": "accountsync_score", "tier": "accountsync_tier", "rank": "accountsync_rank",
                              "reasons": "accountsync_reasons", "arr": "accountsync_arr",
                              "health": "accountsync_health"}),
}  # fmt: skip
TRACEBACK: Final = "Traceback (most recent call last)"
Backend = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class StackSpec:
    """What one stack runs: the world, which CRMs, which store, and the job's knobs."""

    seed: int
    accounts: int = 200
    crms: tuple[str, ...] = ("salesforce", "hubspot")
    backend: Backend = "sqlite"
    bulk_threshold: int = 50_000
    page_size: int = 2000  # Salesforce REST page; windows of more than a page are read in concurrent slices
    pull_concurrency: int = 4
    lookback_minutes: int = 10
    budget_share: float = 0.5
    writeback: bool = False
    extra_fields: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)  # crm -> object -> fields
    fault_seed: int = 0

    def world(self) -> WorldSpec:
        now = min(WORLD_NOW, datetime.now(UTC))
        return WorldSpec(seed=self.seed, accounts=self.accounts, now=now)


@dataclass
class Proc:
    """One finished `accountsync` process."""

    args: list[str]
    rc: int | None
    out: str
    err: str
    killed: bool
    seconds: float

    @property
    def traceback(self) -> bool:
        """A Python traceback on either stream: a crash, never a clean stop."""
        return TRACEBACK in self.err or TRACEBACK in self.out

    def last_line(self) -> str:
        lines = [line for line in (self.err or self.out).strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""


class Stack:
    """Start with `with Stack(spec, root, book) as stack:`; everything it made stays under `root`."""

    def __init__(self, spec: StackSpec, root: Path, book: SecretBook) -> None:
        self.spec, self.root, self.book = spec, root, book
        self.tap = TapState()
        self.sb: Sandbox | None = None
        self.current: subprocess.Popen[bytes] | None = None
        self.killed = False
        self._kill_lock = threading.Lock()
        self._runs = 0
        self.schema = f"chaos_{uuid.uuid4().hex[:12]}"
        self.app_name = f"chaos-{self.schema[6:]}"
        self.db_password = f"chaos-db-{uuid.uuid4().hex}"
        self._engine: Engine | None = None
        self.service: subprocess.Popen[bytes] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        config = SandboxConfig(world=self.spec.world(), state_dir=self.root / "sandbox", seed=self.spec.fault_seed)
        self.sb = Sandbox(config, halves=tapped_halves(self.tap)).start()
        creds = self.sb.credentials
        key = Path(str(creds.sf_private_key_path)).read_text(encoding="utf-8")
        self.book.add(sf_client_id=creds.sf_client_id, sf_client_secret=creds.sf_client_secret,
                      hs_token=creds.hs_token, db_password=self.db_password)  # fmt: skip
        self.book.add_pem(key)
        if self.spec.backend == "postgresql":
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        self.config_path.write_text(self.config_yaml(), encoding="utf-8")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the sandbox, dump the store's text for the secrets scan, drop the PostgreSQL schema."""
        self.kill()
        self.stop_serving()
        if self.sb is not None:
            self.sb.stop()
            self.sb = None
        try:
            (self.root / "store-dump.txt").write_text(store_dump(self.engine()), encoding="utf-8")
        except Exception as exc:  # a store never migrated has nothing to dump
            (self.root / "store-dump.txt").write_text(f"(no dump: {type(exc).__name__})", encoding="utf-8")
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.spec.backend == "postgresql":
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    @property
    def sandbox(self) -> Sandbox:
        assert self.sb is not None, "the stack is not started"
        return self.sb

    # -- the store -----------------------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.root / "accountsync.yaml"

    def store_url(self) -> str:
        """The URL the product is given (DATABASE_URL); its password is a secret the scan looks for."""
        if self.spec.backend == "sqlite":
            return f"sqlite:///{self.root / 'state' / 'accountsync.db'}"
        host = PG_ADMIN.split("@", 1)[1].split("/", 1)[0]
        database = PG_ADMIN.rsplit("/", 1)[1]
        return (f"postgresql://postgres:{self.db_password}@{host}/{database}"
                f"?options=-csearch_path%3D{self.schema}&application_name={self.app_name}")  # fmt: skip

    def engine(self) -> Engine:
        """The harness's own engine on the store (no pool: it never holds a connection between reads)."""
        if self._engine is None:
            url = self.store_url().replace(f"application_name={self.app_name}", "application_name=chaos-harness")
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            self._engine = create_engine(url, poolclass=NullPool)
        return self._engine

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.engine().connect() as conn:
            return list(conn.execute(text(sql), params))

    def runs(self) -> list[dict[str, Any]]:
        """The run history, oldest first."""
        rows = self.query(
            "SELECT id, kind, trigger, status, message, counts, api_calls, errors FROM sync_run ORDER BY id"
        )
        out = []
        for r in rows:
            run = dict(r._mapping)
            for key in ("counts", "api_calls", "errors"):  # JSON: text on SQLite, parsed on PostgreSQL
                if isinstance(run[key], str):
                    run[key] = json.loads(run[key])
            out.append(run)
        return out

    def reset_store(self) -> None:
        """An empty store again (after a calibration run): the file or the schema is made anew and migrated."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.spec.backend == "sqlite":
            for path in (self.root / "state").glob("accountsync.db*"):
                path.unlink()
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        self.migrate()

    def terminate_store_connections(self) -> int:
        """`pg_terminate_backend` on every connection the product opened (by its application_name)."""
        sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
            return len(conn.execute(sql, (self.app_name,)).fetchall())

    # -- the product ---------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        sb = self.sandbox
        creds = sb.credentials
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACCOUNTSYNC_") and k != "DATABASE_URL"}
        env.update(SF_CLIENT_ID=creds.sf_client_id, SF_USERNAME=creds.sf_username, HUBSPOT_TOKEN=creds.hs_token,
                   CHAOS_SF_URL=sb.sf_url, CHAOS_HS_URL=sb.hs_url, ACCOUNTSYNC_STATE_DIR=str(self.root / "state"),
                   PYTHONDONTWRITEBYTECODE="1", COLUMNS="160", NO_COLOR="1")  # fmt: skip
        if self.spec.backend == "postgresql":
            env["DATABASE_URL"] = self.store_url()
        return env

    def accountsync(
        self,
        *args: str,
        timeout: float = 240.0,
        kill_after: float | None = None,
        secret_output: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Proc:
        """Run `accountsync ARGS` to its end (or its kill); stdout and stderr are kept under `logs/` (stdout is
        not kept when it is a secret shown once, like a new API token)."""
        self._runs += 1
        stem = self.root / "logs" / f"{self._runs:03d}-{args[0]}"
        argv = [sys.executable, "-m", "accountsync", *args]
        started = time.monotonic()
        with open(f"{stem}.out", "wb") as out, open(f"{stem}.err", "wb") as err:
            with self._kill_lock:
                self.killed = False
                environ = self.env() | dict(env or {})
                self.current = subprocess.Popen(argv, stdout=out, stderr=err, env=environ, cwd=self.root)
            timer = threading.Timer(kill_after, self.kill) if kill_after is not None else None
            if timer is not None:
                timer.start()
            try:
                rc = self.current.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                rc = self.current.wait()
            finally:
                if timer is not None:
                    timer.cancel()
        with self._kill_lock:
            killed, self.current = self.killed, None
        read = Path(f"{stem}.out").read_text(encoding="utf-8", errors="replace")
        if secret_output:
            Path(f"{stem}.out").write_text("(a secret shown once: not kept)\n", encoding="utf-8")
        errors = Path(f"{stem}.err").read_text(encoding="utf-8", errors="replace")
        return Proc(list(args), rc, read, errors, killed, time.monotonic() - started)

    def serve(self, port: int, *extra: str) -> subprocess.Popen[bytes]:
        """Start `accountsync serve` (stopped by `close()` or `stop_serving()`); logs under `logs/`."""
        self._runs += 1
        stem = self.root / "logs" / f"{self._runs:03d}-serve"
        argv = [sys.executable, "-m", "accountsync", "serve", "-c", str(self.config_path), "--port", str(port), *extra]
        with open(f"{stem}.out", "wb") as out, open(f"{stem}.err", "wb") as err:
            self.service = subprocess.Popen(argv, stdout=out, stderr=err, env=self.env(), cwd=self.root)
        return self.service

    def stop_serving(self) -> int | None:
        """SIGTERM the service and wait for it (SIGKILL after 30 s); its exit code."""
        service, self.service = self.service, None
        if service is None:
            return None
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
            try:
                return service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        return service.wait()

    def kill(self) -> None:
        """SIGKILL the running `accountsync`, if any (called from hooks, timers and the harness)."""
        with self._kill_lock:
            proc = self.current
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                self.killed = True

    def cli(self, *args: str, **kwargs: Any) -> Proc:
        """`accountsync ARGS -c CONFIG`."""
        return self.accountsync(*args, "-c", str(self.config_path), **kwargs)

    def migrate(self) -> Proc:
        proc = self.accountsync("db", "upgrade")
        if proc.rc != 0:
            raise RuntimeError(f"accountsync db upgrade failed: {proc.last_line()}")
        return proc

    def sync(self, *extra: str, **kwargs: Any) -> Proc:
        return self.cli("sync", JOB, *extra, **kwargs)

    # -- the config file -----------------------------------------------------------------------------------

    def rewrite_config(self, **job: Any) -> None:
        """Change keys of the job in the config file (e.g. its budget share) for the runs that follow."""
        data = self.config_data()
        data["jobs"][0].update(job)
        self.config_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def config_yaml(self) -> str:
        return yaml.safe_dump(self.config_data(), sort_keys=False)

    def config_data(self) -> dict[str, Any]:
        sb, spec = self.sandbox, self.spec
        connections: dict[str, Any] = {}
        sources: list[dict[str, Any]] = []
        writeback: list[dict[str, Any]] = []
        if "salesforce" in spec.crms:
            connections["salesforce"] = {
                "type": "salesforce", "login_url": sb.sf_url, "auth": "jwt", "client_id": "${SF_CLIENT_ID}",
                "username": "${SF_USERNAME}", "jwt_key_file": str(sb.credentials.sf_private_key_path),
                "ca_bundle": str(sb.ca_path),
            }  # fmt: skip
            sources.append({"connection": "salesforce", "objects": SF_OBJECTS})
        if "hubspot" in spec.crms:
            connections["hubspot"] = {"type": "hubspot", "base_url": sb.hs_url, "token": "${HUBSPOT_TOKEN}",
                                      "ca_bundle": str(sb.ca_path)}  # fmt: skip
            sources.append({"connection": "hubspot", "objects": HS_OBJECTS})
        for source in sources:
            extra = spec.extra_fields.get(source["connection"])
            if extra:
                source["fields"] = {obj: list(names) for obj, names in extra.items()}
        if spec.writeback:
            for crm in spec.crms:
                obj, fields = WRITEBACK[crm]
                writeback.append({"connection": crm, "object": obj, "fields": dict(fields)})
        job: dict[str, Any] = {
            "name": JOB, "lookback_minutes": spec.lookback_minutes, "bulk_threshold": spec.bulk_threshold,
            "api_budget_share": spec.budget_share, "sources": sources, "page_size": spec.page_size,
            "pull_concurrency": spec.pull_concurrency,
        }  # fmt: skip
        if writeback:
            job["writeback"] = writeback
        return {"version": 1, "connections": connections, "jobs": [job]}


def store_dump(engine: Engine) -> str:
    """Every text cell of every table of the store, one per line (for the secrets scan)."""
    lines: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        else:
            tables = [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = "
                                                      "current_schema()"))]  # fmt: skip
        for table in sorted(tables):
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                lines.extend(f"{table}\t{cell}" for cell in row if cell is not None and not isinstance(cell, int))
    return "\n".join(lines)
