"""Assembling the sandbox: config, the two orgs with their contexts, and each port's ASGI app.

Each port's app is, from the outside in: request log -> (`/__sandbox/*` admin | fault plan -> CRM app).
The CRM halves are imported lazily (`default_halves`) so they may import the core at module level.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.admin import create_admin_app
from sandbox.context import CrmOrg, SandboxContext, SandboxCredentials, load_or_create_credentials
from sandbox.errors import AdminError
from sandbox.faults import ADMIN_PREFIX, Fault, FaultMiddleware, FaultPlan
from sandbox.mutator import Mutator
from sandbox.persist import load_state, save_state
from sandbox.requestlog import RequestLog, RequestLogMiddleware
from sandbox.tls import TlsFiles, issue_tls
from sandbox.wirecase import CanonicalHeadersMiddleware
from sandbox.world import CrmName, WorldSpec

__all__ = ["CRMS", "Half", "Runtime", "SandboxConfig", "build_apps", "build_runtime", "default_halves"]

CRMS: Final[tuple[CrmName, ...]] = ("salesforce", "hubspot")
STATE_FILE: Final = "org.pickle"


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How to run the sandbox. Ports of 0 pick free ports; host names go into URLs and the certificate."""

    bind: str = "127.0.0.1"
    sf_port: int = 0
    hs_port: int = 0
    sf_host: str = "127.0.0.1"
    hs_host: str = "127.0.0.1"
    world: WorldSpec = field(default_factory=WorldSpec)
    org_file: Path | None = None  # load persisted orgs instead of generating from `world`
    state_dir: Path | None = None  # CA, keys, credentials, sandbox.json; reused across runs; None: temp dir
    request_log: Path | None = None  # JSONL of every request
    seed: int = 0  # the fault plan's seed
    credentials: SandboxCredentials | None = None  # None: reuse the state dir's, or generate
    persist_on_exit: bool = False  # save the orgs to state_dir/org.pickle when stopping

    def port(self, crm: CrmName) -> int:
        return self.sf_port if crm == "salesforce" else self.hs_port

    def host(self, crm: CrmName) -> str:
        return self.sf_host if crm == "salesforce" else self.hs_host


@dataclass(frozen=True, slots=True)
class Half:
    """One CRM half as the core uses it (the contract in ARCHITECTURE.md)."""

    from_world: Callable[[WorldSpec], CrmOrg]
    create_app: Callable[[Any, SandboxContext], ASGIApp]
    render_fault: Callable[[Fault], Response]


def default_halves() -> dict[CrmName, Half]:
    """The real halves, `sandbox.salesforce` and `sandbox.hubspot`."""
    from sandbox import hubspot, salesforce  # lazily: the halves import the core

    return {
        "salesforce": Half(salesforce.SalesforceOrg.from_world, salesforce.create_app, salesforce.render_fault),
        "hubspot": Half(hubspot.HubSpotAccount.from_world, hubspot.create_app, hubspot.render_fault),
    }


@dataclass(slots=True)
class Runtime:
    """Everything live behind both ports: the orgs, their contexts, log, faults and mutator."""

    config: SandboxConfig
    spec: WorldSpec | None
    state_dir: Path
    tls: TlsFiles
    credentials: SandboxCredentials
    halves: dict[CrmName, Half]
    orgs: dict[CrmName, CrmOrg]
    contexts: dict[CrmName, SandboxContext]
    log: RequestLog
    faults: FaultPlan
    mutator: Mutator

    @property
    def locks(self) -> dict[CrmName, threading.RLock]:
        return {crm: ctx.lock for crm, ctx in self.contexts.items()}

    def admin(self, crm: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """`org.apply_admin(action, params)` under the org's lock (unknown action: the org's KeyError)."""
        if crm not in self.orgs:
            raise AdminError(f"no CRM {crm!r}: use one of {sorted(self.orgs)}", status=404)
        name: CrmName = "salesforce" if crm == "salesforce" else "hubspot"
        with self.contexts[name].lock:
            return self.orgs[name].apply_admin(action, params)

    def stats(self) -> dict[str, Any]:
        orgs = {}
        for crm, org in self.orgs.items():
            with self.contexts[crm].lock:
                orgs[crm] = org.snapshot()
        extra = {"orgs": orgs, "fault_rules": self.faults.listing(), "mutator": self.mutator.status(last=0)}
        return {**self.log.stats(), **extra}

    def persist(self, path: Path | None = None) -> Path:
        return save_state(path or self.state_dir / STATE_FILE, self.spec, self.orgs, self.locks)

    def manifest(self) -> dict[str, Any]:
        """What other processes need to reach this sandbox (written to `state_dir/sandbox.json`)."""
        return {
            "pid": os.getpid(),
            "salesforce": {"base_url": self.contexts["salesforce"].base_url},
            "hubspot": {"base_url": self.contexts["hubspot"].base_url},
            "ca_path": str(self.tls.ca_path),
            "state_dir": str(self.state_dir),
            "credentials": self.credentials.public(),
            "request_log": str(self.config.request_log) if self.config.request_log else None,
        }


def build_runtime(
    config: SandboxConfig, urls: Mapping[CrmName, str], state_dir: Path, halves: Mapping[CrmName, Half] | None = None
) -> Runtime:
    """Issue TLS, load or make credentials, and load or generate both orgs, for base `urls`."""
    halves = dict(halves or default_halves())
    reuse = config.state_dir is not None
    tls = issue_tls(state_dir, {config.sf_host, config.hs_host}, reuse_ca=reuse)
    creds = config.credentials or load_or_create_credentials(state_dir, reuse)
    spec: WorldSpec | None = config.world
    if config.org_file is not None:
        saved = load_state(config.org_file)
        spec, orgs = saved.spec, dict(saved.orgs)
    else:
        orgs = {crm: halves[crm].from_world(config.world) for crm in CRMS}
    contexts = {crm: SandboxContext(crm, urls[crm], tls.ca_path, creds) for crm in CRMS}
    mutator = Mutator(orgs, {crm: ctx.lock for crm, ctx in contexts.items()})
    log = RequestLog(config.request_log)
    return Runtime(config, spec, state_dir, tls, creds, halves, orgs, contexts, log, FaultPlan(config.seed), mutator)


class _Dispatch:
    """`/__sandbox/*` to the admin app, everything else to the (fault-wrapped) CRM app."""

    def __init__(self, admin: ASGIApp, crm: ASGIApp) -> None:
        self.admin, self.crm = admin, crm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            await self.admin(scope, receive, send)
        else:
            await self.crm(scope, receive, send)


def build_apps(rt: Runtime) -> tuple[ASGIApp, ASGIApp]:
    """(Salesforce app, HubSpot app), each wrapped in the request log and fault plan, with admin mounted."""
    admin = create_admin_app(rt)
    apps = []
    for crm in CRMS:
        half = rt.halves[crm]
        faulted = FaultMiddleware(half.create_app(rt.orgs[crm], rt.contexts[crm]), rt.faults, crm, half.render_fault)
        apps.append(CanonicalHeadersMiddleware(RequestLogMiddleware(_Dispatch(admin, faulted), rt.log, crm)))
    return apps[0], apps[1]
