"""Associations v4: batch read (paged per input) and one record's associations."""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.api_batch import error_entry
from sandbox.hubspot.association_labels import PRIMARY_COMPANY, labels_between
from sandbox.hubspot.association_views import decode_cursor, encode_cursor, live_targets, v4_targets
from sandbox.hubspot.associations import types_between
from sandbox.hubspot.errors import ObjectNotFound, ValidationError
from sandbox.hubspot.http_io import batch_envelope, json_response, query_int, read_json
from sandbox.hubspot.object_types import ObjectType, object_type
from sandbox.hubspot.other_links import other_kind
from sandbox.hubspot.served import Served
from sandbox.hubspot.writes import parse_id

__all__ = ["batch_read_associations", "get_associations", "get_labels"]

MAX_INPUTS: Final = 1000


def _no_associations(from_type: ObjectType, to_type: ObjectType, text: str) -> dict[str, Any]:
    err = ObjectNotFound(
        f"No {to_type.singular} is associated with {from_type.singular} {text}.",
        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
        context={"fromObjectId": [text], "fromObjectType": [from_type.singular],
                 "toObjectType": [to_type.singular]},
    )  # fmt: skip
    return error_entry(err)


def _targets(served: Served, from_type: ObjectType, to_type: ObjectType, text: str) -> list[Any] | None:
    object_id = parse_id(text)
    store = served.account.stores[from_type.name]
    row = None if object_id is None else store.resolve(object_id)
    if row is None or not store.is_live(row):
        return None
    return live_targets(served.account, from_type, store.ids[row], to_type.name)


async def batch_read_associations(served: Served, request: Request) -> Response:
    """POST /crm/v4/associations/{from}/{to}/batch/read; an input with none is a 207 error entry."""
    body, _ = await read_json(request)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and "id" in i for i in inputs):
        raise ValidationError('Invalid input JSON on line 1: `inputs` must be a list of {"id"} objects')
    if len(inputs) > MAX_INPUTS:
        raise ValidationError(f"Too many inputs: {len(inputs)}. The maximum is {MAX_INPUTS}.")
    from_type = object_type(request.path_params["from_type"])
    to_type = object_type(request.path_params["to_type"])
    with served.lock:
        started = served.account.clock.wall_ms()
        size = served.account.association_page_size
        results, errors = [], []
        for item in inputs:
            text = str(item["id"])
            pairs = _targets(served, from_type, to_type, text)
            offset = decode_cursor(item.get("after"))
            if not pairs:
                errors.append(_no_associations(from_type, to_type, text))
                continue
            result: dict[str, Any] = {"from": {"id": text}, "to": v4_targets(pairs[offset : offset + size])}
            if offset + size < len(pairs):
                result["paging"] = {"next": {"after": encode_cursor(offset + size)}}
            results.append(result)
        out, multi = batch_envelope(results, errors, started, served.account.clock.wall_ms())
    return json_response(out, status=207 if multi else 200, records=len(results), request=request)


async def get_associations(served: Served, request: Request) -> Response:
    """GET /crm/v4/objects/{type}/{id}/associations/{to}?limit=500&after=..."""
    from_type = object_type(request.path_params["object_type"])
    to_type = object_type(request.path_params["to_type"])
    limit = min(max(query_int(request, "limit", 500), 1), 500)
    offset = decode_cursor(request.query_params.get("after"))
    with served.lock:
        pairs = _targets(served, from_type, to_type, request.path_params["object_id"]) or []
    page = pairs[offset : offset + limit]
    out: dict[str, Any] = {"results": v4_targets(page)}
    if offset + limit < len(pairs):
        after = encode_cursor(offset + limit)
        link = f"{served.base_url}{request.url.path}?after={after}&limit={limit}"
        out["paging"] = {"next": {"after": after, "link": link}}
    return json_response(out, records=len(page), request=request)


async def get_labels(served: Served, request: Request) -> Response:
    """GET /crm/v4/associations/{from}/{to}/labels: every type defined between the two, labels included."""
    from_type = object_type(request.path_params["from_type"])
    to_type = object_type(request.path_params["to_type"])
    pair = (from_type.name, to_type.name)
    defined = [*(types_between(*pair) or ()), *(t for t in (PRIMARY_COMPANY.get(pair), other_kind(*pair)) if t),
               *labels_between(*pair)]  # fmt: skip
    return json_response({"results": [t.as_json() for t in defined]}, records=len(defined), request=request)
