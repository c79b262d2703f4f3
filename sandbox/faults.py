"""A seeded fault plan (error bursts, rate limits, expiry, slowness, dropped connections) as ASGI middleware.

A `FaultRule` says which requests it matches (CRM, method, path prefix or regex), when it fires (skip the
first `after` matches, then fire on `count` of them or with `probability` each) and what happens. When a
rule fires, the middleware either delays the request (`slow`), drops the connection without an answer
(`drop`), or answers with the CRM half's own `render_fault(fault)`, so every error has the real shape.
The decision sequence is a pure function of the plan's seed and the order of matching requests.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, get_args

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.errors import SpecError
from sandbox.world import CrmName

__all__ = [
    "ADMIN_PREFIX",
    "RAW_SEND",
    "ConnectionDroppedError",
    "Fault",
    "FaultKind",
    "FaultMiddleware",
    "FaultPlan",
    "FaultRule",
    "RateLimitPolicy",
]

FaultKind = Literal["status", "rate_limit", "session_expiry", "quota", "slow", "drop", "server_unavailable"]
RateLimitPolicy = Literal["TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"]
ADMIN_PREFIX: Final = "/__sandbox"
RAW_SEND: Final = "sandbox.raw_send"  # scope key: the server's own `send`, kept by the outermost middleware
_KINDS: Final = frozenset(get_args(FaultKind))
_POLICIES: Final = frozenset(get_args(RateLimitPolicy))


@dataclass(frozen=True, slots=True)
class Fault:
    """What a fired rule asks the CRM half to render (`render_fault`): the half picks status and shape.

    - status: answer HTTP `code` (e.g. 500) in the CRM's error shape.
    - rate_limit: Salesforce 403 REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn Limit exceeded" (transient);
      HubSpot 429 with `policy` (TEN_SECONDLY_ROLLING, SECONDLY or DAILY).
    - quota: Salesforce 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded."; HubSpot 429 DAILY.
    - session_expiry: Salesforce 401 INVALID_SESSION_ID; HubSpot 401 INVALID_AUTHENTICATION.
    - server_unavailable: 503 (Salesforce SERVER_UNAVAILABLE).
    `slow` and `drop` never reach `render_fault`.
    """

    crm: CrmName
    kind: FaultKind
    code: int | None = None
    policy: RateLimitPolicy | None = None
    message: str | None = None
    rule: int = 0  # index of the rule in the plan


@dataclass(frozen=True, slots=True)
class FaultRule:
    """When to fire and what; JSON-friendly (the admin endpoint takes these fields)."""

    crm: CrmName
    kind: FaultKind
    code: int | None = None  # kind=status: the HTTP status to answer
    policy: RateLimitPolicy | None = None  # kind=rate_limit: which limit (default TEN_SECONDLY_ROLLING)
    ms: int = 0  # kind=slow: delay before the request goes on
    method: str | None = None  # match this HTTP method only (None: any)
    path: str = ""  # path prefix; with regex=True a regular expression searched in the path
    regex: bool = False
    count: int | None = None  # fire on this many matching requests, then stop (None: no limit)
    probability: float = 1.0  # fire on each matching request with this probability
    after: int = 0  # let the first `after` matching requests through
    message: str | None = None  # optional message override for the rendered error

    def __post_init__(self) -> None:
        problem = _rule_problem(self)
        if problem:
            raise SpecError("FaultRule", problem)
        if self.kind == "rate_limit" and self.policy is None:
            object.__setattr__(self, "policy", "TEN_SECONDLY_ROLLING")
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from an admin request body, refusing unknown keys."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise SpecError("FaultRule", f"unknown keys {sorted(unknown)}")
        return cls(**data)

    def matches(self, crm: str, method: str, path: str) -> bool:
        if crm != self.crm or (self.method is not None and method != self.method):
            return False
        return re.search(self.path, path) is not None if self.regex else path.startswith(self.path)


def _rule_problem(rule: FaultRule) -> str | None:
    checks = (
        (rule.crm not in ("salesforce", "hubspot"), f"crm must be salesforce or hubspot, not {rule.crm!r}"),
        (rule.kind not in _KINDS, f"kind must be one of {sorted(_KINDS)}, not {rule.kind!r}"),
        (rule.kind == "status" and not (rule.code and 400 <= rule.code <= 599), "status needs code 400..599"),
        (rule.policy is not None and rule.policy not in _POLICIES, f"policy must be one of {sorted(_POLICIES)}"),
        (rule.kind == "slow" and not 0 < rule.ms <= 120_000, "slow needs ms in 1..120000"),
        (rule.count is not None and rule.count < 1, "count must be at least 1"),
        (not 0.0 <= rule.probability <= 1.0, "probability must be within 0..1"),
        (rule.after < 0, "after must not be negative"),
    )
    if rule.regex:
        try:
            re.compile(rule.path)
        except re.error as exc:
            return f"bad path regex: {exc}"
    return next((problem for failed, problem in checks if failed), None)


@dataclass(slots=True)
class _Armed:
    rule: FaultRule
    rng: random.Random
    seen: int = 0
    fired: int = 0


@dataclass(slots=True)
class FaultPlan:
    """The rules in force; thread-safe; the same seed and request order give the same faults."""

    seed: int = 0
    _armed: list[_Armed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _added: int = 0

    def add(self, rules: Iterable[FaultRule]) -> None:
        with self._lock:
            for rule in rules:
                self._armed.append(_Armed(rule, random.Random(f"{self.seed}:{self._added}")))
                self._added += 1

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def decide(self, crm: str, method: str, path: str) -> tuple[FaultRule, Fault] | None:
        """The first rule that fires for this request, if any (every matching rule counts the request)."""
        chosen = None
        with self._lock:
            for n, armed in enumerate(self._armed):
                if armed.rule.matches(crm, method, path) and _fires(armed) and chosen is None:
                    armed.fired += 1
                    r = armed.rule
                    chosen = (r, Fault(r.crm, r.kind, r.code, r.policy, r.message, n))
        return chosen

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**asdict(a.rule), "seen": a.seen, "fired": a.fired} for a in self._armed]


def _fires(armed: _Armed) -> bool:
    armed.seen += 1
    rule = armed.rule
    if armed.seen <= rule.after or (rule.count is not None and armed.fired >= rule.count):
        return False
    # Draw for every eligible request, whether or not it fires, so the sequence depends only on the seed.
    return armed.rng.random() < rule.probability


class FaultMiddleware:
    """Applies the plan before the CRM app; admin paths (`/__sandbox/...`) are never faulted."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, crm: CrmName, render: Callable[[Fault], Response]) -> None:
        self.app, self.plan, self.crm, self.render = app, plan, crm, render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        decided = self.plan.decide(self.crm, scope["method"], path)
        if decided is None:
            await self.app(scope, receive, send)
            return
        rule, fault = decided
        scope.setdefault("state", {})["sandbox_fault"] = fault.kind
        if fault.kind == "slow":
            await asyncio.sleep(rule.ms / 1000)
            await self.app(scope, receive, send)
        elif fault.kind == "drop":
            await _drop(scope.get(RAW_SEND, send))
        else:
            await self.render(fault)(scope, receive, send)


class ConnectionDroppedError(ConnectionError):
    """Raised where the server cannot close the socket itself (in-process ASGI transports)."""


async def _drop(send: Send) -> None:
    """Close the client's connection without a response (uvicorn: abort the transport)."""
    cycle: Any = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(cycle, "disconnected"):
        raise ConnectionDroppedError("fault plan dropped the connection")
    transport.abort()
    cycle.disconnected = True  # so uvicorn does not answer 500 for a response never started
    await asyncio.sleep(0)
