"""The ASGI app of the org: OAuth, versions, and every authenticated /services/data/vXX.X/ resource."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

import anyio.to_thread
import orjson
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.salesforce import bulk_ingest, bulk_query, composite, querying, rest, tooling
from sandbox.salesforce.errors import ApiError, OAuthError, not_found
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.oauth import token
from sandbox.salesforce.wire import JSON, Call, Reply, error_reply

if TYPE_CHECKING:
    from sandbox.context import SandboxContext
    from sandbox.salesforce.org import SalesforceOrg

log = logging.getLogger(__name__)
_VERSION: Final = re.compile(r"^v\d+\.\d$")
_LOCATOR: Final = re.compile(r"^01g[0-9A-Za-z]{15}-\d+$")
_LITERAL: Final = frozenset(
    [
        "sobjects",
        "query",
        "queryAll",
        "composite",
        "jobs",
        "ingest",
        "results",
        "batches",
        "describe",
        "deleted",
        "updated",
        "limits",
        "tooling",
        "successfulResults",
        "failedResults",
        "unprocessedrecords",
        "unprocessedRecords",
        "oauth2",
        "token",
    ]
)
DATA_PREFIX: Final = "/services/data"
MAX_URI_AND_HEADERS: Final = 16_384
UNKNOWN_EXCEPTION: Final = (
    "An unexpected error occurred. Please include this ErrorId if you contact support: 1902870386-52210 (-1416287745)"
)
Handler = Callable[["SalesforceOrg", Call], Reply]


def _query(include_deleted: bool) -> Handler:
    def handle(org: SalesforceOrg, call: Call) -> Reply:
        if len(call.parts) == 2:
            return querying.more(org, call, call.parts[1])
        if len(call.parts) > 2:
            raise not_found()
        return querying.start_query(org, call, include_deleted)

    return handle


def _jobs(org: SalesforceOrg, call: Call) -> Reply:
    kind = call.parts[1] if len(call.parts) > 1 else ""
    if kind == "query":
        return bulk_query.query_jobs(org, call)
    if kind == "ingest":
        return bulk_ingest.ingest_jobs(org, call)
    raise not_found()


def _composite(org: SalesforceOrg, call: Call) -> Reply:
    if call.parts[1:2] != ("sobjects",):
        raise not_found()
    return composite.collections(org, call)


ROUTES: Final[dict[str, Handler]] = {
    "": rest.resources,
    "limits": lambda org, call: rest.limits(org),
    "sobjects": rest.sobjects,
    "query": _query(include_deleted=False),
    "queryAll": _query(include_deleted=True),
    "composite": _composite,
    "jobs": _jobs,
    "tooling": tooling.tooling,
}


class SalesforceApp:
    """Serves one org; every handler runs in a worker thread holding the context's lock."""

    def __init__(self, org: SalesforceOrg, ctx: SandboxContext) -> None:
        self.org, self.ctx = org, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = scope.get("query_string", b"").decode("latin-1")
        too_long = _oversized(scope)
        if too_long is not None:
            await too_long(scope, receive, send)
            return
        response = await anyio.to_thread.run_sync(self.handle, scope["method"], scope["path"], query, headers, body)
        state = scope.setdefault("state", {})
        state["sandbox_route"] = route_template(scope["path"], self.org)
        if getattr(response, "sandbox_records", None) is not None:
            state["sandbox_records"] = response.sandbox_records  # type: ignore[attr-defined]
        await response(scope, receive, send)

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        """One request, answered as Salesforce would (status, shape, headers)."""
        with self.ctx.lock:
            try:
                if path.rstrip("/") == "/services/oauth2/token" and method == "POST":
                    return _json(200, token(self.org, self.ctx, body, headers))
                if path.rstrip("/") == DATA_PREFIX and method == "GET":
                    return _json(200, rest.versions())
                if path.startswith((DATA_PREFIX + "/v", DATA_PREFIX + "/latest")):
                    return self._api(method, path, query, headers, body)
                return _render(error_reply(not_found()))
            except OAuthError as error:
                return _json(error.status, error.body())
            except ApiError as error:
                return _render(error_reply(error))

    def _api(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        parts = [p for p in path[len(DATA_PREFIX) + 1 :].split("/") if p]
        # `latest` stands for the newest version (REST API Developer Guide, Versions: "Version alias").
        version = f"{rest.MAX_VERSION}.0" if parts[0] == "latest" else parts[0][1:]
        if not rest.known_version(version):
            return _render(error_reply(not_found()))
        org = self.org
        user = org.access.authenticate(headers.get("authorization"), org.clock.now())
        limit = {"Sforce-Limit-Info": org.access.limit_info()}
        try:
            org.access.charge()
            limit = {"Sforce-Limit-Info": org.access.limit_info()}
            params = dict(parse_qsl(query, keep_blank_values=True))
            call = Call(method, version, tuple(parts[1:]), params, headers, body, user, self.ctx.base_url.rstrip("/"))
            handler = ROUTES.get(call.parts[0] if call.parts else "")
            if handler is None:
                raise not_found()
            reply = handler(org, call)
        except ApiError as error:
            reply = error_reply(error)
        except Exception:
            log.exception("salesforce sandbox failed on %s %s", method, path)
            reply = Reply(500, [{"message": UNKNOWN_EXCEPTION, "errorCode": "UNKNOWN_EXCEPTION"}])
        reply.headers.update(limit)
        return _render(reply, self.ctx.lock)


def _oversized(scope: Scope) -> Response | None:
    """Salesforce's limit on a request's URI plus headers (16,384 bytes): 414 when the URI alone is over it,
    431 when the headers take it over (Salesforce Help, "Maximum number of rows returned by SOQL queries over
    the REST API", article 000386264)."""
    uri = len(scope.get("raw_path") or scope["path"].encode()) + 1 + len(scope.get("query_string", b""))
    head = uri + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", []))
    if uri > MAX_URI_AND_HEADERS:
        return Response("414 URI Too Long", 414, media_type="text/plain")
    if head > MAX_URI_AND_HEADERS:
        return Response("431 Request Header Fields Too Large", 431, media_type="text/plain")
    return None


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status, media_type=JSON)


def _render(reply: Reply, lock: Any = None) -> Response:
    encoded = reply.encoded()
    response: Response
    if isinstance(encoded, bytes):
        media = reply.content_type if reply.status != 204 else None
        response = Response(encoded, reply.status, headers=reply.headers, media_type=media)
    else:
        response = StreamingResponse(
            _locked(encoded, lock), reply.status, headers=reply.headers, media_type=reply.content_type
        )
    response.sandbox_records = reply.records  # type: ignore[attr-defined]
    return response


def route_template(path: str, org: SalesforceOrg) -> str:
    """The path with its variable parts named for the request log: /services/data/v{version}/sobjects/{sobject}."""
    parts = path.split("/")
    out = []
    for n, part in enumerate(parts):
        if n == 3 and parts[1:3] == ["services", "data"] and _VERSION.match(part):
            out.append("v{version}")
        elif part in _LITERAL or not part or n < 3:
            out.append(part)
        elif org.schema.get(part) is not None or part == "CustomField":
            out.append("{sobject}")
        elif _LOCATOR.match(part):
            out.append("{locator}")
        elif canonical(part) is not None:
            out.append("{id}")
        else:
            out.append("{name}")
    return "/".join(out)


def _locked(chunks: Iterator[str], lock: Any) -> Iterator[str]:
    """Produce each chunk holding the org's lock, so a long CSV page never reads a half-written org."""
    while True:
        with lock:
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def create_app(org: SalesforceOrg, ctx: SandboxContext) -> ASGIApp:
    """The org's ASGI app (the core mounts it with fault injection and request logging around it)."""
    org.table("User").set(org.user, "Username", ctx.credentials.sf_username)
    return SalesforceApp(org, ctx)
