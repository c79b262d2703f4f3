"""Basic object endpoints: list, read, create, update, archive, merge and search (CRM API v3)."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.association_views import v3_block
from sandbox.hubspot.errors import ObjectNotFound, ValidationError
from sandbox.hubspot.http_io import json_response, query_flag, query_int, query_list, read_json
from sandbox.hubspot.object_types import ObjectType
from sandbox.hubspot.records import ReadShape, object_json, property_names
from sandbox.hubspot.search_request import parse_search
from sandbox.hubspot.served import Served
from sandbox.hubspot.store import ARCHIVED, LIVE, ObjectStore
from sandbox.hubspot.writes import apply_write, archive, blocked, create, merge, parse_id, validate

__all__ = [
    "archive_object",
    "create_object",
    "get_object",
    "list_objects",
    "merge_objects",
    "read_shape",
    "search_objects",
    "update_object",
]

LIST_MAX: Final = 100
LIST_MAX_WITH_HISTORY: Final = 50


def read_shape(store: ObjectStore, otype: ObjectType, properties: list[str] | None,
               history: list[str] | None) -> ReadShape:  # fmt: skip
    names = property_names(store, otype, properties)
    return ReadShape(store, names, [h for h in history or [] if h in store.schema])


def _with_associations(served: Served, otype: ObjectType, store: ObjectStore, row: int, shape: ReadShape,
                       assoc: list[str] | None) -> dict[str, Any]:  # fmt: skip
    out = object_json(store, row, shape)
    if assoc:
        block = v3_block(served.account, otype, store.ids[row], assoc)
        if block:
            out["associations"] = block
    return out


def _list_page(store: ObjectStore, after: int, limit: int, archived: bool, now_ms: int) -> tuple[list[int], int | None]:
    start = bisect_left(store.ids, after)
    source = store.archived_rows_from(start, now_ms) if archived else store.live_rows_from(start)
    rows: list[int] = []
    for row in source:
        if len(rows) == limit:
            return rows, store.ids[row]
        rows.append(row)
    return rows, None


async def list_objects(served: Served, request: Request) -> Response:
    """GET /crm/v3/objects/{type}: `after` is the id to start at; no `paging` on the last page."""
    history = query_list(request, "propertiesWithHistory")
    cap = LIST_MAX_WITH_HISTORY if history else LIST_MAX
    limit = min(max(query_int(request, "limit", 10), 1), cap)
    after_text = request.query_params.get("after") or "0"
    if not after_text.isdigit():
        raise ValidationError(f"Invalid paging cursor: after={after_text}", context={"after": [after_text]})
    properties, assoc = query_list(request, "properties"), query_list(request, "associations")
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        shape = read_shape(store, otype, properties, history)
        now = served.account.clock.wall_ms()
        rows, next_id = _list_page(store, int(after_text), limit, query_flag(request, "archived"), now)
        results = [_with_associations(served, otype, store, row, shape, assoc) for row in rows]
    body: dict[str, Any] = {"results": results}
    if next_id is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "after"] + [("after", str(next_id))]
        link = f"{served.base_url}{request.url.path}?{urlencode(params)}"
        body["paging"] = {"next": {"after": str(next_id), "link": link}}
    return json_response(body, records=len(results), request=request)


def _find_row(served: Served, store: ObjectStore, text: str, id_property: str | None) -> int | None:
    if id_property and id_property != "hs_object_id":
        prop = store.schema.get(id_property)
        if prop is None or not prop.has_unique_value:
            raise ValidationError(f"{id_property} is not a unique identifier property for {store.object_type}",
                                  context={"idProperty": [id_property]})  # fmt: skip
        return served.account.uniques.lookup(store, id_property, text)
    object_id = parse_id(text)
    return None if object_id is None else store.resolve(object_id)


async def get_object(served: Served, request: Request) -> Response:
    """GET /crm/v3/objects/{type}/{id}: a merged-away id answers its survivor; a miss is a bodiless 404."""
    archived = query_flag(request, "archived")
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        row = _find_row(served, store, request.path_params["object_id"], request.query_params.get("idProperty"))
        if row is None or store.expired(row, served.account.clock.wall_ms()):
            raise ObjectNotFound(empty_body=True)
        if store.state[row] != (ARCHIVED if archived else LIVE):
            raise ObjectNotFound(empty_body=True)
        shape = read_shape(store, otype, query_list(request, "properties"),
                           query_list(request, "propertiesWithHistory"))  # fmt: skip
        body = _with_associations(served, otype, store, row, shape, query_list(request, "associations"))
    return json_response(body, records=1, request=request)


async def create_object(served: Served, request: Request) -> Response:
    """POST /crm/v3/objects/{type}: 201 with the new record."""
    body, _ = await read_json(request)
    if not isinstance(body, dict):
        raise ValidationError("Invalid input JSON on line 1: the body must be an object")
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        values = validate(served.account, otype, body.get("properties", {}))
        row = create(served.account, otype, values, body.get("associations"))
        shape = ReadShape(store, property_names(store, otype, [k for k, v in values.items() if v is not None]))
        out = object_json(store, row, shape)
    return json_response(out, status=201, records=1, request=request)


async def update_object(served: Served, request: Request) -> Response:
    """PATCH /crm/v3/objects/{type}/{id}: answers the record with the properties written."""
    body, _ = await read_json(request)
    given = body.get("properties") if isinstance(body, dict) else None
    text = request.path_params["object_id"]
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        row = _find_row(served, store, text, request.query_params.get("idProperty"))
        if row is None or not store.is_live(row):
            raise ObjectNotFound("Object not found.  objectId are usually numeric.", context={"id": [text]})
        refusal = blocked(served.account, otype, store.ids[row])
        if refusal is not None:
            raise refusal
        values = validate(served.account, otype, given, row)
        apply_write(served.account, otype, row, values)
        out = object_json(store, row, ReadShape(store, property_names(store, otype, list(values))))
    return json_response(out, records=1, request=request)


async def archive_object(served: Served, request: Request) -> Response:
    """DELETE /crm/v3/objects/{type}/{id}: 204 whether or not the record existed."""
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        object_id = parse_id(request.path_params["object_id"])
        row = None if object_id is None else store.resolve(object_id)
        if row is not None and store.is_live(row):
            refusal = blocked(served.account, otype, store.ids[row], deleting=True)
            if refusal is not None:
                raise refusal
            archive(served.account, otype, row)
    return Response(status_code=204)


async def merge_objects(served: Served, request: Request) -> Response:
    """POST /crm/v3/objects/{type}/merge `{"primaryObjectId", "objectIdToMerge"}`."""
    body, _ = await read_json(request)
    if not isinstance(body, dict) or "primaryObjectId" not in body or "objectIdToMerge" not in body:
        raise ValidationError("Invalid input JSON: primaryObjectId and objectIdToMerge are required")
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        row = merge(served.account, otype, str(body["primaryObjectId"]), str(body["objectIdToMerge"]))
        out = object_json(store, row, read_shape(store, otype, None, None))
    return json_response(out, records=1, request=request)


async def search_objects(served: Served, request: Request) -> Response:
    """POST /crm/v3/objects/{type}/search: `{"total", "results", "paging"?}` (never archived records)."""
    body, chars = await read_json(request)
    search = parse_search(body, chars)
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        total, page = served.account.search.page(store, otype, search)
        shape = read_shape(store, otype, list(search.properties) if search.properties else None, None)
        results = [object_json(store, row, shape) for row in page]
    out: dict[str, Any] = {"total": total, "results": results}
    end = search.after + len(page)
    if end < total and page:
        out["paging"] = {"next": {"after": str(end)}}
    return json_response(out, records=len(results), request=request)
