"""Properties, property groups and pipelines endpoints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.default_properties import CURRENCY_CODES
from sandbox.hubspot.http_io import json_response, query_flag, read_json
from sandbox.hubspot.pipelines import pipelines_json
from sandbox.hubspot.served import Served

__all__ = [
    "account_details",
    "create_group",
    "create_property",
    "get_group",
    "get_pipeline",
    "get_property",
    "list_groups",
    "list_pipelines",
    "list_properties",
    "list_stages",
]


async def list_properties(served: Served, request: Request) -> Response:
    """GET /crm/v3/properties/{type}; archived properties are never kept, so `archived=true` is empty."""
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        props = [] if query_flag(request, "archived") else [p.as_json() for p in store.schema.all()]
    return json_response({"results": props}, records=len(props), request=request)


async def get_property(served: Served, request: Request) -> Response:
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        body = store.schema.require(request.path_params["name"]).as_json()
    return json_response(body, records=1, request=request)


async def create_property(served: Served, request: Request) -> Response:
    """POST /crm/v3/properties/{type}: 201, or 409 when the name is taken."""
    body, _ = await read_json(request)
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        prop = store.schema.create(body if isinstance(body, dict) else {}, served.account.clock.now_ms())
        store.ensure_column(prop.name, prop.type)
        out = prop.as_json()
    return json_response(out, status=201, records=1, request=request)


async def list_groups(served: Served, request: Request) -> Response:
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        groups = [g.as_json() for g in store.schema.groups()]
    return json_response({"results": groups}, records=len(groups), request=request)


async def get_group(served: Served, request: Request) -> Response:
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        out = store.schema.require_group(request.path_params["name"]).as_json()
    return json_response(out, records=1, request=request)


async def create_group(served: Served, request: Request) -> Response:
    body, _ = await read_json(request)
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        out = store.schema.create_group(body if isinstance(body, dict) else {}).as_json()
    return json_response(out, status=201, records=1, request=request)


async def list_pipelines(served: Served, request: Request) -> Response:
    body = pipelines_json(request.path_params["object_type"])
    return json_response(body, records=len(body["results"]), request=request)


async def get_pipeline(served: Served, request: Request) -> Response:
    body = pipelines_json(request.path_params["object_type"], request.path_params["pipeline_id"])
    return json_response(body, records=1, request=request)


async def list_stages(served: Served, request: Request) -> Response:
    pipeline = pipelines_json(request.path_params["object_type"], request.path_params["pipeline_id"])
    stages = pipeline["stages"]
    return json_response({"results": stages}, records=len(stages), request=request)


async def account_details(served: Served, request: Request) -> Response:
    """GET /account-info/v3/details: the portal's id, time zone and currencies (HubSpot's account info API)."""
    with served.lock:
        account = served.account
        currency = getattr(account, "company_currency", "USD")  # an org pickled before it had one
        others = [] if account.spec is None or not account.spec.multi_currency else [
            code for code in CURRENCY_CODES if code != currency]  # fmt: skip
        body = {
            "portalId": account.portal_id, "accountType": "STANDARD", "timeZone": "US/Eastern",
            "companyCurrency": currency, "additionalCurrencies": others, "utcOffset": "-05:00",
            "utcOffsetMilliseconds": -18000000, "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1",
        }  # fmt: skip
    return json_response(body, records=1, request=request)
