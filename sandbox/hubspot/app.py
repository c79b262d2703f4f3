"""The HubSpot ASGI app: routes, private-app auth, rate limits and HubSpot's error shapes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.context import SandboxContext
from sandbox.faults import ADMIN_PREFIX, Fault
from sandbox.hubspot import api_associations, api_batch, api_lists, api_meta, api_objects, api_schema
from sandbox.hubspot.account import HubSpotAccount
from sandbox.hubspot.errors import ApiError, RateLimited, new_correlation_id
from sandbox.hubspot.served import Served

__all__ = ["create_app", "render_fault"]

Handler = Callable[[Served, Request], Awaitable[Response]]
AUTH_MESSAGE: Final = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_JSON: Final = "application/json;charset=utf-8"


def _bind(served: Served, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(served, request)

    endpoint.__name__ = handler.__name__
    return endpoint


def _routes(served: Served) -> list[Route]:
    o, b, s, a, m = api_objects, api_batch, api_schema, api_associations, api_meta
    table: list[tuple[str, Handler, str]] = [
        ("/crm/v3/owners", m.list_owners, "GET"),
        ("/crm/v3/owners/", m.list_owners, "GET"),  # the SDK's OwnersApi.get_page asks with the slash
        ("/crm/v3/owners/{owner_id}", m.get_owner, "GET"),
        ("/crm/v3/schemas", m.list_schemas, "GET"),
        ("/crm/v3/schemas/{object_type}", m.get_schema, "GET"),
        ("/properties/v2/{object_type}/properties", m.legacy_properties, "GET"),
        ("/crm/v3/properties/{object_type}/batch/create", m.batch_create_properties, "POST"),
        ("/crm/v3/associations/{from_type}/{to_type}/batch/create", m.batch_create_associations_v3, "POST"),
        ("/crm/v4/associations/{from_type}/{to_type}/batch/create", m.batch_create_associations_v4, "POST"),
        ("/crm/v3/objects/{object_type}", o.list_objects, "GET"),
        ("/crm/v3/objects/{object_type}", o.create_object, "POST"),
        ("/crm/v3/objects/{object_type}/search", o.search_objects, "POST"),
        ("/crm/v3/objects/{object_type}/merge", o.merge_objects, "POST"),
        ("/crm/v3/objects/{object_type}/batch/read", b.batch_read, "POST"),
        ("/crm/v3/objects/{object_type}/batch/create", b.batch_create, "POST"),
        ("/crm/v3/objects/{object_type}/batch/update", b.batch_update, "POST"),
        ("/crm/v3/objects/{object_type}/batch/upsert", b.batch_upsert, "POST"),
        ("/crm/v3/objects/{object_type}/batch/archive", b.batch_archive, "POST"),
        ("/crm/v3/objects/{object_type}/{object_id}", o.get_object, "GET"),
        ("/crm/v3/objects/{object_type}/{object_id}", o.update_object, "PATCH"),
        ("/crm/v3/objects/{object_type}/{object_id}", o.archive_object, "DELETE"),
        ("/crm/v3/properties/{object_type}", s.list_properties, "GET"),
        ("/crm/v3/properties/{object_type}", s.create_property, "POST"),
        ("/crm/v3/properties/{object_type}/groups", s.list_groups, "GET"),
        ("/crm/v3/properties/{object_type}/groups", s.create_group, "POST"),
        ("/crm/v3/properties/{object_type}/groups/{name}", s.get_group, "GET"),
        ("/crm/v3/properties/{object_type}/{name}", s.get_property, "GET"),
        ("/crm/v3/pipelines/{object_type}", s.list_pipelines, "GET"),
        ("/crm/v3/pipelines/{object_type}/{pipeline_id}", s.get_pipeline, "GET"),
        ("/crm/v3/pipelines/{object_type}/{pipeline_id}/stages", s.list_stages, "GET"),
        ("/crm/v4/associations/{from_type}/{to_type}/batch/read", a.batch_read_associations, "POST"),
        ("/crm/v4/associations/{from_type}/{to_type}/labels", a.get_labels, "GET"),
        ("/crm/v4/objects/{object_type}/{object_id}/associations/{to_type}", a.get_associations, "GET"),
        ("/account-info/v3/details", s.account_details, "GET"),
        ("/crm/v3/lists/", api_lists.create_list, "POST"),
        ("/crm/v3/lists/object-type-id/{object_type_id}/name/{list_name}", api_lists.get_list_by_name, "GET"),
        ("/crm/v3/lists/{list_id}", api_lists.get_list, "GET"),
        ("/crm/v3/lists/{list_id}/memberships", api_lists.get_members, "GET"),
        ("/crm/v3/lists/{list_id}/memberships/add", api_lists.add_members, "PUT"),
        ("/crm/v3/lists/{list_id}/memberships/remove", api_lists.remove_members, "PUT"),
    ]
    return [Route(path, _bind(served, handler), methods=[method]) for path, handler, method in table]


def _correlation(request: Request) -> str:
    found = request.scope.get("state", {}).get("hubspot_correlation_id")
    return str(found) if found else new_correlation_id()


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    cid = _correlation(request)
    media = None if exc.empty_body else _JSON
    return Response(exc.encoded(cid), status_code=exc.status, media_type=media,
                    headers={"X-HubSpot-Correlation-Id": cid})  # fmt: skip


async def _http_error(request: Request, exc: Exception) -> Response:
    """No route (404) or no such method on it (405): HubSpot's JSON error, never Starlette's plain text.

    HubSpot marks an unrouted path with `X-HubSpot-NotFound: true` (seen in client logs, e.g.
    github.com/HGData/mk-node-hubspot issue 150).
    """
    assert isinstance(exc, HTTPException)
    cid = _correlation(request)
    category, message = ("OBJECT_NOT_FOUND", "resource not found")
    headers = {"X-HubSpot-Correlation-Id": cid}
    if exc.status_code == 404:
        headers["X-HubSpot-NotFound"] = "true"
    else:
        category, message = "METHOD_NOT_ALLOWED", f"HTTP method {request.method} is not supported by this URL"
        headers |= dict(exc.headers or {})
    body = ApiError(exc.status_code, category, message).encoded(cid)
    return Response(body, status_code=exc.status_code, media_type=_JSON, headers=headers)


def _unauthorized(cid: str, message: str = AUTH_MESSAGE) -> Response:
    body = {"status": "error", "message": message, "correlationId": cid, "category": "INVALID_AUTHENTICATION"}
    headers = {"X-HubSpot-Auth-Failure": "401 Unauthorized", "X-HubSpot-Correlation-Id": cid}
    return Response(orjson.dumps(body), status_code=401, media_type=_JSON, headers=headers)


def _too_many(err: RateLimited, cid: str) -> Response:
    headers = {**err.headers, "X-HubSpot-Correlation-Id": cid}
    return Response(orjson.dumps(err.body(cid)), status_code=429, media_type=_JSON, headers=headers)


class HubSpotGate:
    """Checks the private-app token, counts the request against the limits, stamps the headers."""

    def __init__(self, app: ASGIApp, served: Served) -> None:
        self.app = app
        self.served = served
        self._expected = f"bearer {served.token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        cid = new_correlation_id()
        scope.setdefault("state", {})["hubspot_correlation_id"] = cid
        auth = dict(scope["headers"]).get(b"authorization", b"")
        if auth[:7].lower() + auth[7:] != self._expected:
            await _unauthorized(cid)(scope, receive, send)
            return
        is_search = scope["method"] == "POST" and scope["path"].endswith("/search")
        try:
            limit_headers = self.served.account.limiter.admit(is_search)
        except RateLimited as err:
            await _too_many(err, cid)(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in limit_headers.items()]
        extra.append((b"x-hubspot-correlation-id", cid.encode()))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, stamped)


def create_app(account: HubSpotAccount, ctx: SandboxContext) -> ASGIApp:
    """The HubSpot API over `account`; every handler holds `ctx.lock` while it touches the account."""
    served = Served(account, ctx.lock, ctx.base_url.rstrip("/"), ctx.credentials.hs_token)
    app = Starlette(routes=_routes(served), exception_handlers={ApiError: _api_error, HTTPException: _http_error})
    return HubSpotGate(app, served)


_FAULT_STATUS: Final[dict[int, tuple[str, str]]] = {
    400: ("VALIDATION_ERROR", "Invalid input JSON on line 1, column 1"),
    403: ("MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call."),
    404: ("OBJECT_NOT_FOUND", "resource not found"),
    409: ("CONFLICT", "Conflict"),
    423: ("LOCKED", "The record is locked by another operation. Wait 2 seconds and retry."),
    500: ("INTERNAL_ERROR", "internal error"),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
}
_GATEWAY_HTML: Final = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n</body>\r\n</html>\r\n"
)


def _limit_headers(policy: str) -> dict[str, str]:
    headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "190",
               "X-HubSpot-RateLimit-Remaining": "0" if policy == "TEN_SECONDLY_ROLLING" else "1",
               "X-HubSpot-RateLimit-Secondly": "19", "X-HubSpot-RateLimit-Secondly-Remaining": "0"}  # fmt: skip
    headers["X-HubSpot-RateLimit-Daily"] = "1000000"
    headers["X-HubSpot-RateLimit-Daily-Remaining"] = "0" if policy == "DAILY" else "1"
    return headers


def render_fault(fault: Fault) -> Response:
    """An injected fault in HubSpot's own shape (429 per policy, 401, 5xx, ...)."""
    cid = new_correlation_id()
    if fault.kind in ("rate_limit", "quota"):
        policy = "DAILY" if fault.kind == "quota" else (fault.policy or "TEN_SECONDLY_ROLLING")
        err = RateLimited(policy, f"publicapi:fault:{policy.lower()}", _limit_headers(policy))
        response = _too_many(err, cid)
        if fault.message:
            body: dict[str, Any] = {**err.body(cid), "message": fault.message}
            response = Response(orjson.dumps(body), status_code=429, media_type=_JSON, headers=err.headers)
        return response
    if fault.kind == "session_expiry":
        return _unauthorized(cid, fault.message or AUTH_MESSAGE)
    code = 503 if fault.kind == "server_unavailable" else (fault.code or 500)
    if code in (502, 504):
        title = f"{code} Bad Gateway" if code == 502 else f"{code} Gateway Time-out"
        return Response(_GATEWAY_HTML.format(title), status_code=code, media_type="text/html")
    category, message = _FAULT_STATUS.get(code, ("ERROR", "An error occurred"))
    err_api = ApiError(code, category, fault.message or message)
    return Response(err_api.encoded(cid), status_code=code, media_type=_JSON,
                    headers={"X-HubSpot-Correlation-Id": cid})  # fmt: skip
