"""The `/__sandbox/*` routes served on both ports: stats, faults, CRM admin actions, mutator, persist.

GET  /__sandbox/stats            counters (requests, records, routes, statuses, faults) + org snapshots
POST /__sandbox/stats/reset      zero the counters
GET  /__sandbox/faults           the rules in force with how many requests each saw and fired on
POST /__sandbox/faults           add rules: {"rules": [{crm, kind, ...}, ...]} (or one rule object)
DELETE /__sandbox/faults         clear the rules
POST /__sandbox/{crm}/admin      {"action": ..., "params": {...}} -> org.apply_admin under the org's lock
GET  /__sandbox/mutator          mutator status and its recent changes
POST /__sandbox/mutator          {"action": "start", "rate": 2.0, "seed": 1} | {"action": "stop"}
                                 | {"action": "step", "n": 5, "seed": 1}
POST /__sandbox/persist          {"path": optional} -> save the orgs' state; answers the path
GET  /__sandbox/info             base URLs, CA path, credential file paths (what sandbox.json holds)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.errors import AdminError, SandboxError
from sandbox.faults import FaultRule

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

__all__ = ["create_admin_app"]

Handler = Callable[[Request], Awaitable[Response]]


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AdminError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AdminError("body must be a JSON object")
    return data


def _guarded(handler: Handler) -> Handler:
    """Turn refusals into JSON errors: AdminError/SpecError/KeyError/ValueError -> 400 (or the given status)."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except AdminError as exc:
            return _json({"error": str(exc)}, exc.status)
        except (SandboxError, KeyError, ValueError, TypeError) as exc:
            return _json({"error": f"{type(exc).__name__}: {exc}"}, 400)

    return run


def create_admin_app(rt: Runtime) -> Starlette:
    """The admin app; the same `Runtime` backs it on both ports."""

    async def stats(request: Request) -> Response:
        return _json(rt.stats())

    async def reset(request: Request) -> Response:
        rt.log.reset()
        return _json({"reset": True})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            rows = body.get("rules", [body])
            if not isinstance(rows, list):
                raise AdminError("rules must be a list")
            rt.faults.add([FaultRule.from_json(row) for row in rows])
        elif request.method == "DELETE":
            rt.faults.clear()
        return _json({"seed": rt.faults.seed, "rules": rt.faults.listing()})

    async def crm_admin(request: Request) -> Response:
        crm = request.path_params["crm"]
        body = await _body(request)
        if "action" not in body:
            raise AdminError("body needs an action")
        result = await run_in_threadpool(rt.admin, crm, str(body["action"]), dict(body.get("params") or {}))
        return _json(result)

    async def mutator(request: Request) -> Response:
        if request.method == "POST":
            await run_in_threadpool(_mutate, rt, await _body(request))
        return _json(rt.mutator.status(last=int(request.query_params.get("last", "20"))))

    async def persist(request: Request) -> Response:
        body = await _body(request)
        path = Path(body["path"]) if body.get("path") else None
        saved = await run_in_threadpool(rt.persist, path)
        return _json({"path": str(saved)})

    async def info(request: Request) -> Response:
        return _json(rt.manifest())

    routes = [
        Route("/__sandbox/stats", _guarded(stats), methods=["GET"]),
        Route("/__sandbox/stats/reset", _guarded(reset), methods=["POST"]),
        Route("/__sandbox/faults", _guarded(faults), methods=["GET", "POST", "DELETE"]),
        Route("/__sandbox/mutator", _guarded(mutator), methods=["GET", "POST"]),
        Route("/__sandbox/persist", _guarded(persist), methods=["POST"]),
        Route("/__sandbox/info", _guarded(info), methods=["GET"]),
        Route("/__sandbox/{crm}/admin", _guarded(crm_admin), methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _mutate(rt: Runtime, body: dict[str, Any]) -> None:
    action = body.get("action")
    crms = tuple(body["crms"]) if body.get("crms") else None
    if action == "start":
        rt.mutator.start(float(body.get("rate", 1.0)), int(body.get("seed", 0)), crms)
    elif action == "stop":
        rt.mutator.stop()
    elif action == "step":
        if "seed" in body:
            rt.mutator.reseed(int(body["seed"]), crms)
        rt.mutator.step(int(body.get("n", 1)))
    else:
        raise AdminError("mutator action must be start, stop or step")
