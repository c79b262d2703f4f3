"""Every request to the sandbox, as JSONL (optional) and in-memory counters served at `/__sandbox/stats`.

The CRM halves say how many records a response carried with `request.state.sandbox_records = N`; the
route template comes from the matched path params (or `request.state.sandbox_route`). Admin requests
(`/__sandbox/...`) are counted apart from CRM API calls.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.faults import ADMIN_PREFIX, RAW_SEND
from sandbox.world import CrmName

__all__ = ["LogEntry", "RequestLog", "RequestLogMiddleware", "route_template"]

_FLUSH_EVERY: Final = 256
_FLUSH_SECONDS: Final = 1.0


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One request as the sandbox saw it."""

    at: str  # ISO time the request arrived
    crm: str
    method: str
    path: str
    query: str
    status: int  # 0: the connection was dropped without a response
    ms: float
    records: int
    route: str
    admin: bool
    fault: str | None


class RequestLog:
    """Thread-safe counters plus an optional JSONL file (buffered; flushed every 256 lines or second)."""

    def __init__(self, path: Path | None = None, keep: int = 5_000) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = path.open("ab") if path else None
        self._pending = 0
        self._flushed_at = time.monotonic()
        self.recent: deque[LogEntry] = deque(maxlen=keep)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.since = datetime.now(UTC).isoformat()
            self._requests: Counter[str] = Counter()
            self._records: Counter[str] = Counter()
            self._admin: Counter[str] = Counter()
            self._routes: Counter[tuple[str, str]] = Counter()
            self._route_records: Counter[tuple[str, str]] = Counter()
            self._route_ms: defaultdict[tuple[str, str], float] = defaultdict(float)
            self._statuses: Counter[tuple[str, int]] = Counter()
            self._faults: Counter[tuple[str, str]] = Counter()
            self.recent.clear()

    def record(self, entry: LogEntry) -> None:
        line = orjson.dumps(asdict(entry)) + b"\n" if self._file else b""
        with self._lock:
            self.recent.append(entry)
            if entry.admin:
                self._admin[entry.crm] += 1
            else:
                self._count(entry)
            if self._file:
                self._write(line)

    def _count(self, entry: LogEntry) -> None:
        key = (entry.crm, f"{entry.method} {entry.route}")
        self._requests[entry.crm] += 1
        self._records[entry.crm] += entry.records
        self._routes[key] += 1
        self._route_records[key] += entry.records
        self._route_ms[key] += entry.ms
        self._statuses[(entry.crm, entry.status)] += 1
        if entry.fault:
            self._faults[(entry.crm, entry.fault)] += 1

    def _write(self, line: bytes) -> None:
        assert self._file is not None
        self._file.write(line)
        self._pending += 1
        now = time.monotonic()
        if self._pending >= _FLUSH_EVERY or now - self._flushed_at >= _FLUSH_SECONDS:
            self._file.flush()
            self._pending, self._flushed_at = 0, now

    def flush(self) -> None:
        with self._lock:
            if self._file:
                self._file.flush()
                self._pending = 0

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None

    def stats(self) -> dict[str, Any]:
        """Counters as JSON-ready data: by CRM, by method + route template, by status, faults, admin."""
        with self._lock:
            routes: dict[str, dict[str, Any]] = {}
            for (crm, route), n in sorted(self._routes.items()):
                ms = round(self._route_ms[(crm, route)], 3)
                routes.setdefault(crm, {})[route] = {"count": n, "records": self._route_records[(crm, route)], "ms": ms}
            statuses: dict[str, dict[str, int]] = {}
            for (crm, status), n in sorted(self._statuses.items()):
                statuses.setdefault(crm, {})[str(status)] = n
            faults: dict[str, dict[str, int]] = {}
            for (crm, kind), n in sorted(self._faults.items()):
                faults.setdefault(crm, {})[kind] = n
            return {
                "since": self.since,
                "requests": dict(self._requests),
                "records": dict(self._records),
                "admin_requests": dict(self._admin),
                "routes": routes,
                "statuses": statuses,
                "faults": faults,
            }


def route_template(path: str, params: dict[str, Any]) -> str:
    """`path` with each segment that is a path param's value replaced by `{name}` (`v62.0` -> `v{version}`)."""
    if not params:
        return path
    values = [(str(v), k) for k, v in params.items() if str(v)]
    out = []
    for segment in path.split("/"):
        for value, name in values:
            if segment == value:
                segment = f"{{{name}}}"
                break
            if segment.endswith(value) and len(segment) - len(value) <= 2 and segment[0].isalpha():
                segment = f"{segment[: -len(value)]}{{{name}}}"
                break
        out.append(segment)
    return "/".join(out)


class RequestLogMiddleware:
    """Outermost middleware of each CRM app: times the request and records the outcome."""

    def __init__(self, app: ASGIApp, log: RequestLog, crm: CrmName) -> None:
        self.app, self.log, self.crm = app, log, crm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "state": dict(scope.get("state") or {}), RAW_SEND: scope.get(RAW_SEND, send)}
        status, started, at, recorded = 0, time.perf_counter(), datetime.now(UTC), False

        async def watch(message: Message) -> None:
            # Record before the last body chunk leaves: a client holding the whole answer finds it counted.
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body") and not recorded:
                recorded = True
                self.log.record(self._entry(scope, status, started, at))
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            status = status or 500
            raise
        finally:
            if not recorded:
                self.log.record(self._entry(scope, status, started, at))

    def _entry(self, scope: Scope, status: int, started: float, at: datetime) -> LogEntry:
        state, path = scope["state"], scope.get("path", "")
        route = state.get("sandbox_route") or route_template(path, scope.get("path_params") or {})
        return LogEntry(
            at=at.isoformat(), crm=self.crm, method=scope["method"], path=path,
            query=scope.get("query_string", b"").decode("latin-1"), status=status,
            ms=round((time.perf_counter() - started) * 1000, 3), records=int(state.get("sandbox_records") or 0),
            route=route, admin=path.startswith(ADMIN_PREFIX), fault=state.get("sandbox_fault"),
        )  # fmt: skip
