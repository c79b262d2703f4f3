"""A tap between the sandbox's fault plan and each CRM half: counts the requests the CRM handled, fires
hooks at the N-th one (SIGKILL a client, expire sessions, kill database connections), records every write
per record and field, and can corrupt records on the wire.

It wraps each half's app (`Half.create_app`), so a request the fault plan refused never reaches it: the
tap sees exactly what the CRM did.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.runtime import Half, default_halves
from sandbox.world import CrmName

__all__ = ["Hook", "Phase", "Tap", "TapState", "WriteEvent", "is_write", "tapped_halves"]

Phase = Literal["arrive", "respond"]
_SF_WRITE: Final = re.compile(r"/services/data/v[\d.]+/(composite/sobjects|sobjects/\w+/\w{15,18})$")
_HS_WRITE: Final = re.compile(r"/crm/v3/objects/\w+/(batch/update|\d+)$")
_SF_OBJECT: Final = re.compile(r"/sobjects/(\w+)/")
_HS_OBJECT: Final = re.compile(r"/crm/v3/objects/(\w+)/")


def is_write(crm: str, method: str, path: str) -> bool:
    """A write-back call: Salesforce collections / single-record PATCH, HubSpot batch update / PATCH."""
    if crm == "salesforce":
        return method == "PATCH" and _SF_WRITE.search(path) is not None
    if method == "POST":
        return path.endswith("/batch/update")
    return method == "PATCH" and _HS_WRITE.search(path) is not None


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """One record's values as a write call carried them, and whether the CRM accepted it."""

    seq: int  # the request's sequence number in the tap
    crm: str
    object: str
    record_id: str
    values: dict[str, Any]
    ok: bool


@dataclass
class Hook:
    """Call `action` once, at the `at`-th request that `matches` (1-based), on arrival or after the answer."""

    at: int
    action: Callable[[], None]
    phase: Phase = "arrive"
    matches: Callable[[str, str, str], bool] = field(default=lambda crm, method, path: True)
    seen: int = 0
    fired: bool = False


Corrupter = Callable[[str, str, Any], Any]  # (crm, path, parsed JSON body) -> body to send instead


@dataclass
class TapState:
    """Shared by the taps of both halves: counters, hooks, the write log and an optional corrupter."""

    requests: int = 0
    hooks: list[Hook] = field(default_factory=list)
    writes: list[WriteEvent] = field(default_factory=list)
    corrupt: Corrupter | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arm(self, hook: Hook) -> Hook:
        with self.lock:
            self.hooks.append(hook)
        return hook

    def disarm(self) -> None:
        with self.lock:
            self.hooks.clear()

    def _due(self, crm: str, method: str, path: str) -> tuple[int, list[Hook]]:
        with self.lock:
            self.requests += 1
            due = []
            for hook in self.hooks:
                if not hook.fired and hook.matches(crm, method, path):
                    hook.seen += 1
                    if hook.seen >= hook.at:
                        hook.fired = True
                        due.append(hook)
            return self.requests, due

    def record_writes(self, events: Iterable[WriteEvent]) -> None:
        with self.lock:
            self.writes.extend(events)

    def writes_of(self, crm: str | None = None) -> list[WriteEvent]:
        with self.lock:
            return [w for w in self.writes if crm is None or w.crm == crm]


class Tap:
    """ASGI middleware around one CRM half's app."""

    def __init__(self, app: ASGIApp, crm: CrmName, state: TapState) -> None:
        self.app, self.crm, self.state = app, crm, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope.get("path", "")
        seq, due = self.state._due(self.crm, method, path)
        for hook in due:
            if hook.phase == "arrive":
                hook.action()
        writing = is_write(self.crm, method, path)
        corrupt = self.state.corrupt if not writing else None
        try:
            if writing or corrupt is not None:
                await self._buffered(scope, receive, send, seq, writing, corrupt)
            else:
                await self.app(scope, receive, send)
        except ClientDisconnect:
            pass  # a client we killed mid-request: nobody to answer (and no server error to log)
        for hook in due:
            if hook.phase == "respond":
                hook.action()

    async def _buffered(
        self, scope: Scope, receive: Receive, send: Send, seq: int, writing: bool, corrupt: Corrupter | None
    ) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._finish(scope, send, start, b"".join(chunks), body, seq, writing, corrupt)
            else:
                await send(message)

        await self.app(scope, replay, hold)

    async def _finish(
        self,
        scope: Scope,
        send: Send,
        start: Message | None,
        answer: bytes,
        request: bytes,
        seq: int,
        writing: bool,
        corrupt: Corrupter | None,
    ) -> None:
        assert start is not None
        status = int(start["status"])
        if writing:
            self.state.record_writes(write_events(self.crm, scope["path"], seq, status, request, answer))
        elif corrupt is not None and status == 200 and _is_json(start):
            try:
                changed = corrupt(self.crm, scope["path"], orjson.loads(answer))
            except orjson.JSONDecodeError:
                changed = None
            if changed is not None:
                answer = orjson.dumps(changed)
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                start = {**start, "headers": [*headers, (b"content-length", str(len(answer)).encode())]}
        await send(start)
        await send({"type": "http.response.body", "body": answer, "more_body": False})


def _is_json(start: Message) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v.lower() for k, v in start["headers"])


def write_events(crm: str, path: str, seq: int, status: int, request: bytes, answer: bytes) -> list[WriteEvent]:
    """The per-record writes of one write call, with the CRM's verdict on each."""
    try:
        sent = orjson.loads(request) if request else {}
        said = orjson.loads(answer) if answer else None
    except orjson.JSONDecodeError:
        return []
    if crm == "salesforce":
        return _salesforce_writes(path, seq, status, sent, said)
    return _hubspot_writes(path, seq, status, sent, said)


def _salesforce_writes(path: str, seq: int, status: int, sent: Any, said: Any) -> list[WriteEvent]:
    if path.endswith("/composite/sobjects"):
        records = sent.get("records") or []
        verdicts = said if isinstance(said, list) and status == 200 else [{}] * len(records)
        events = []
        for record, verdict in zip(records, verdicts, strict=False):
            obj = str((record.get("attributes") or {}).get("type") or "")
            values = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
            ok = bool(isinstance(verdict, dict) and verdict.get("success"))
            events.append(WriteEvent(seq, "salesforce", obj, str(record.get("id") or record.get("Id")), values, ok))
        return events
    found = _SF_OBJECT.search(path)
    record_id = path.rsplit("/", 1)[-1]
    return [WriteEvent(seq, "salesforce", found.group(1) if found else "", record_id, dict(sent), status == 204)]


def _hubspot_writes(path: str, seq: int, status: int, sent: Any, said: Any) -> list[WriteEvent]:
    found = _HS_OBJECT.search(path)
    obj = found.group(1) if found else ""
    if path.endswith("/batch/update"):
        results = said.get("results") if isinstance(said, dict) and status in (200, 207) else None
        accepted = {str(r.get("id")) for r in results or [] if isinstance(r, dict)}
        return [
            WriteEvent(
                seq, "hubspot", obj, str(i.get("id")), dict(i.get("properties") or {}), str(i.get("id")) in accepted
            )
            for i in sent.get("inputs") or []
        ]
    record_id = path.rsplit("/", 1)[-1]
    return [WriteEvent(seq, "hubspot", obj, record_id, dict(sent.get("properties") or {}), status == 200)]


def tapped_halves(state: TapState) -> dict[CrmName, Half]:
    """The real halves, each app wrapped in a tap sharing `state`."""
    halves = default_halves()

    def wrap(crm: CrmName, half: Half) -> Half:
        return Half(half.from_world, lambda org, ctx: Tap(half.create_app(org, ctx), crm, state), half.render_fault)

    return {crm: wrap(crm, half) for crm, half in halves.items()}
