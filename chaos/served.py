"""A served `accountsync` without CRMs, for the security scenarios: an SQLite store, a config whose one
connection points nowhere (no run ever reaches a CRM: the service has no workers), tokens from `accountsync
tokens create`, and every `accountsync` process under a memory cap, so a hostile input that got through dies
alone instead of taking the machine with it. Every answer, log and the store's dump stay under `root`."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Final

import httpx
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from chaos.secrets import SecretBook
from chaos.stack import store_dump

__all__ = ["CLI_MEMORY", "JOB", "SERVE_MEMORY", "Answer", "Served", "form_key", "sign_in"]

JOB: Final = "chaos-nightly"
CLI_MEMORY: Final = 1 << 30  # address space of one `accountsync` command
SERVE_MEMORY: Final = 2 << 30  # of `accountsync serve`
TRACEBACK: Final = "Traceback (most recent call last)"
FORM_KEY: Final = re.compile(r'name="csrf" value="([^"]+)"')
CONFIG: Final = """version: 1
connections:
  sf:
    type: salesforce
    login_url: https://127.0.0.1:9
    auth: client_credentials
    client_id: ${CHAOS_SF_ID}
    client_secret: ${CHAOS_SF_SECRET}
jobs:
  - name: chaos-nightly
    schedule: "*/5 * * * *"
    sources: [{connection: sf, objects: [Account]}]
"""


@dataclass(frozen=True)
class Answer:
    """One finished `accountsync` command."""

    args: tuple[str, ...]
    rc: int | None  # None: it did not finish before its timeout (a hang), and was killed
    out: str
    err: str
    seconds: float

    @property
    def traceback(self) -> bool:
        return TRACEBACK in self.out + self.err


def _capped(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """`with Served(root, book) as s:` a migrated store and a config; `s.serve()` starts the service."""

    root: Path
    book: SecretBook
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    _count: int = 0
    secret: str = field(default_factory=lambda: f"chaos-sf-secret-{uuid.uuid4().hex}")

    def __enter__(self) -> Served:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self.book.add(sf_client_secret=self.secret)
        self.config_path.write_text(CONFIG, encoding="utf-8")
        migrated = self.cli("db", "upgrade")
        if migrated.rc != 0:
            raise RuntimeError(f"`accountsync db upgrade` failed: {migrated.err[-300:]}")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        engine = create_engine(self.store_url, poolclass=NullPool)
        try:
            (self.root / "store-dump.txt").write_text(store_dump(engine), encoding="utf-8")
        finally:
            engine.dispose()

    @property
    def config_path(self) -> Path:
        return self.root / "accountsync.yaml"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.root / 'accountsync.db'}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("ACCOUNTSYNC_") and k != "DATABASE_URL"}
        return base | {"DATABASE_URL": self.store_url, "CHAOS_SF_ID": "chaos-client-id", "CHAOS_SF_SECRET": self.secret,
                       "COLUMNS": "400", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"} | extra  # fmt: skip

    def cli(self, *args: str, timeout: float = 60.0, secret_output: bool = False, **env: str) -> Answer:
        """`accountsync ARGS` under CLI_MEMORY, killed after `timeout` (rc None); output kept under logs/."""
        self._count += 1
        stem = self.root / "logs" / f"{self._count:03d}-{args[0]}"
        started = time.monotonic()
        argv = [sys.executable, "-m", "accountsync", *args]
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env(**env),
                              cwd=self.root, preexec_fn=lambda: _capped(CLI_MEMORY)) as proc:  # fmt: skip
            try:
                out, err = proc.communicate(timeout=timeout)
                rc: int | None = proc.returncode
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                rc = None
        text_out, text_err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        (stem.with_suffix(".out")).write_text("(a secret shown once)" if secret_output else text_out, encoding="utf-8")
        (stem.with_suffix(".err")).write_text(text_err, encoding="utf-8")
        return Answer(args, rc, text_out, text_err, time.monotonic() - started)

    def token(self, name: str, role: str) -> str:
        """A new API token (kept in the secret book: no log or page may show it)."""
        made = self.cli("tokens", "create", name, "--role", role, secret_output=True)
        token = made.out.strip().splitlines()[-1] if made.rc == 0 and made.out.strip() else ""
        if not token:
            raise RuntimeError(f"`accountsync tokens create {name} --role {role}`: {made.err.strip()[-300:]}")
        self.book.add(**{f"api_token_{name}": token})
        return token

    def serve(self) -> None:
        """`accountsync serve` with no workers and no scheduler, under SERVE_MEMORY; waits for /healthz."""
        self.port = _free_port()
        argv = [sys.executable, "-m", "accountsync", "serve", "-c", str(self.config_path), "--port", str(self.port),
                "--workers", "0", "--no-scheduler"]  # fmt: skip
        log = (self.root / "logs" / "serve.log").open("wb")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=self.root,
                                        preexec_fn=lambda: _capped(SERVE_MEMORY))  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"`accountsync serve` exited {self.process.returncode}: {self.log()[-500:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("`accountsync serve` did not answer /healthz within 60 s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_mib(self) -> float:
        """The service's resident memory now (MiB), from /proc."""
        if not self.alive():
            return 0.0
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8")
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else 0.0

    def log(self) -> str:
        path = self.root / "logs" / "serve.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def client(self) -> httpx.Client:
        """A client of the service (follows no redirect: the scenarios look at each answer)."""
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)


def form_key(page: str) -> str:
    """The CSRF key a page's form carries ("" when the page has none, as before #25)."""
    found = FORM_KEY.search(page)
    return found.group(1) if found else ""


def sign_in(client: httpx.Client, token: str, **headers: str) -> httpx.Response:
    """Sign in as a browser on the dashboard's own page does: open /login, post its form."""
    key = form_key(client.get("/login").text)
    return client.post("/login", data={"token": token, "csrf": key}, headers=headers)
