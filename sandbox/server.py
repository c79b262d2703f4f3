"""`Sandbox`: both CRMs served over HTTPS by uvicorn, one background thread per port.

    with Sandbox(SandboxConfig(world=WorldSpec(seed=7, accounts=200))) as sb:
        httpx.get(sb.sf_url + "/services/data", verify=str(sb.ca_path))

Sockets are bound before the apps are built, so a port of 0 still gives the halves their final base URL.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import uvicorn
from starlette.types import ASGIApp

from sandbox.context import CrmOrg, SandboxContext, SandboxCredentials
from sandbox.errors import StartupError
from sandbox.faults import FaultPlan, FaultRule
from sandbox.mutator import Mutator
from sandbox.requestlog import RequestLog
from sandbox.runtime import CRMS, Half, Runtime, SandboxConfig, build_apps, build_runtime
from sandbox.tls import client_context
from sandbox.world import CrmName

__all__ = ["Sandbox", "SandboxConfig", "SandboxContext", "SandboxCredentials", "build_apps", "build_runtime"]

_READY_SECONDS: Final = 30.0
_MAX_HEAD: Final = 64 * 1024
MANIFEST: Final = "sandbox.json"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the proto says TCP;
    # without it, Nagle + delayed ACK add 40 ms to every small response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot bind {host}:{port}: {exc}") from exc
    return sock


def _bind_all(cfg: SandboxConfig) -> dict[CrmName, socket.socket]:
    socks: dict[CrmName, socket.socket] = {}
    try:
        for crm in CRMS:
            socks[crm] = _bind(cfg.bind, cfg.port(crm))
    except StartupError:
        for sock in socks.values():
            sock.close()
        raise
    return socks


def _uvicorn(app: ASGIApp, rt: Runtime) -> uvicorn.Server:
    config = uvicorn.Config(
        app, ssl_certfile=str(rt.tls.cert_path), ssl_keyfile=str(rt.tls.key_path), lifespan="off",
        log_level="warning", http="h11", loop="asyncio", access_log=False, timeout_graceful_shutdown=2,
        server_header=False, date_header=False, proxy_headers=False,  # Date: sandbox.wirecase, canonical case
        # h11 refuses a request head above 16 KiB with a bare 400; let 64 KiB through so the halves can answer
        # an over-long URI or header block the way each CRM does (Salesforce: 414 / 431).
        h11_max_incomplete_event_size=_MAX_HEAD,
    )  # fmt: skip
    return uvicorn.Server(config)


class Sandbox:
    """Runs the local Salesforce and HubSpot until `stop()` (or the end of the `with` block)."""

    def __init__(self, config: SandboxConfig | None = None, *, halves: Mapping[CrmName, Half] | None = None) -> None:
        self.config = config or SandboxConfig()
        self._halves = halves
        self._rt: Runtime | None = None
        self._servers: list[uvicorn.Server] = []
        self._threads: list[threading.Thread] = []
        self._temp_dir: Path | None = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> Sandbox:
        """Bind, build the orgs and apps, start both servers and wait until they accept connections."""
        cfg = self.config
        if cfg.state_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="crm-sandbox-"))
        state_dir = cfg.state_dir or self._temp_dir
        assert state_dir is not None
        socks = _bind_all(cfg)
        urls = {crm: f"https://{_url_host(cfg.host(crm))}:{socks[crm].getsockname()[1]}" for crm in CRMS}
        try:
            self._rt = build_runtime(cfg, urls, state_dir, self._halves)
            for app, crm in zip(build_apps(self._rt), CRMS, strict=True):
                self._serve(app, socks[crm], crm)
            self._wait_ready()
        except BaseException:
            for sock in socks.values():
                sock.close()
            self.stop()
            raise
        self._write_manifest()
        return self

    def _serve(self, app: ASGIApp, sock: socket.socket, crm: CrmName) -> None:
        server = _uvicorn(app, self.runtime)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox-{crm}", daemon=True)
        self._servers.append(server)
        self._threads.append(thread)
        thread.start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        while not all(s.started for s in self._servers):
            if any(not t.is_alive() for t in self._threads):
                raise StartupError("a sandbox server thread exited during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise StartupError(f"sandbox servers not ready after {_READY_SECONDS:g} s")
            time.sleep(0.005)

    def _write_manifest(self) -> None:
        path = self.runtime.state_dir / MANIFEST
        path.write_text(json.dumps(self.runtime.manifest(), indent=2), encoding="utf-8")

    def stop(self) -> None:
        """Stop the mutator and both servers, flush the log, persist if configured; idempotent."""
        rt = self._rt
        if rt is not None:
            rt.mutator.stop()
        for server in self._servers:
            server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=15)
        self._servers, self._threads, self._rt = [], [], None
        try:
            if rt is not None:
                rt.log.close()
                if self.config.persist_on_exit:
                    rt.persist()
        finally:
            if self._temp_dir is not None:
                shutil.rmtree(self._temp_dir, ignore_errors=True)
                self._temp_dir = None

    @property
    def runtime(self) -> Runtime:
        if self._rt is None:
            raise StartupError("the sandbox is not running")
        return self._rt

    @property
    def sf_url(self) -> str:
        return self.runtime.contexts["salesforce"].base_url

    @property
    def hs_url(self) -> str:
        return self.runtime.contexts["hubspot"].base_url

    @property
    def ca_path(self) -> Path:
        return self.runtime.tls.ca_path

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context trusting the sandbox CA (for httpx `verify=`)."""
        return client_context(self.ca_path)

    @property
    def state_dir(self) -> Path:
        return self.runtime.state_dir

    @property
    def credentials(self) -> SandboxCredentials:
        return self.runtime.credentials

    @property
    def sf_org(self) -> CrmOrg:
        return self.runtime.orgs["salesforce"]

    @property
    def hs_account(self) -> CrmOrg:
        return self.runtime.orgs["hubspot"]

    @property
    def log(self) -> RequestLog:
        return self.runtime.log

    @property
    def faults(self) -> FaultPlan:
        return self.runtime.faults

    @property
    def mutator(self) -> Mutator:
        return self.runtime.mutator

    def lock(self, crm: CrmName) -> threading.RLock:
        return self.runtime.contexts[crm].lock

    def admin(self, action: str, crm: CrmName, **params: Any) -> dict[str, Any]:
        """An admin action on one org, in-process (same as POST /__sandbox/{crm}/admin)."""
        return self.runtime.admin(crm, action, params)

    def add_fault(self, **rule: Any) -> FaultRule:
        """Add one fault rule (fields of `FaultRule`) and return it."""
        made = FaultRule.from_json(rule)
        self.faults.add([made])
        return made

    def stats(self) -> dict[str, Any]:
        return self.runtime.stats()

    def reset(self) -> None:
        """Stop the mutator, clear fault rules and zero the counters (between tests)."""
        self.mutator.stop()
        self.faults.clear()
        self.log.reset()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
