"""Lists API v3 endpoints: create a list, fetch it by id or by name, page, add and remove its memberships.

Shapes from HubSpot's public OpenAPI spec for Lists v3 (as the hubspot-api-client `crm.lists` models read it):
`{"list": {...}}` for a list, `{"recordIdsRemoved", "recordsIdsAdded", "recordIdsMissing"}` for a membership
change (HubSpot's own spelling), `{"results": [{"recordId", "membershipTimestamp"}], "paging", "total"}` for a page.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.errors import ObjectNotFound, ValidationError
from sandbox.hubspot.http_io import json_response, query_int, read_json
from sandbox.hubspot.lists import ObjectList, ObjectLists
from sandbox.hubspot.object_types import OBJECT_TYPES
from sandbox.hubspot.served import Served
from sandbox.hubspot.timestamps import iso_ms as _iso

__all__ = ["add_members", "create_list", "get_list", "get_list_by_name", "get_members", "remove_members"]

_TYPES: Final = {t.type_id: t.name for t in OBJECT_TYPES}
_PROCESSING: Final = ("MANUAL", "SNAPSHOT")
_MAX_PAGE: Final = 250


def _lists(served: Served) -> ObjectLists:
    account = served.account
    if not hasattr(account, "object_lists"):  # an org pickled before lists existed
        account.object_lists = ObjectLists()
    return account.object_lists


def _json(found: ObjectList) -> dict[str, Any]:
    return {"listId": str(found.list_id), "listVersion": found.version, "name": found.name,
            "objectTypeId": found.object_type_id, "processingType": found.processing_type,
            "processingStatus": "COMPLETE", "createdAt": _iso(found.created_at), "updatedAt": _iso(found.updated_at),
            "filtersUpdatedAt": _iso(found.created_at), "size": len(found.members)}  # fmt: skip


def _now(served: Served) -> int:
    return served.account.clock.now_ms()


async def create_list(served: Served, request: Request) -> Response:
    """POST /crm/v3/lists/: a MANUAL or SNAPSHOT list; a taken name is refused."""
    body, _ = await read_json(request)
    if not isinstance(body, dict):
        raise ValidationError("Invalid input JSON on line 1: the body must be an object")
    name, type_id, processing = body.get("name"), body.get("objectTypeId"), body.get("processingType")
    for key, value in (("name", name), ("objectTypeId", type_id), ("processingType", processing)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{key} is required", context={key: [str(value)]})
    if type_id not in _TYPES:
        raise ValidationError(f"Unknown object type id {type_id}", context={"objectTypeId": [str(type_id)]})
    if processing not in _PROCESSING:
        raise ValidationError(f"processingType {processing} needs a filter branch; use MANUAL or SNAPSHOT",
                              context={"processingType": [str(processing)]})  # fmt: skip
    with served.lock:
        lists = _lists(served)
        if lists.named(str(name)) is not None:
            raise ValidationError(f"A list named {name} already exists.", context={"name": [str(name)]})
        made = lists.create(str(name), str(type_id), str(processing), _now(served))
        out = {"list": _json(made)}
    return json_response(out, records=1, request=request)


def _list_of(served: Served, text: str) -> ObjectList:
    found = _lists(served).by_id.get(int(text)) if text.isdigit() else None
    if found is None or found.deleted_at is not None:
        raise ObjectNotFound(f"List {text} does not exist.")
    return found


async def get_list(served: Served, request: Request) -> Response:
    """GET /crm/v3/lists/{listId}."""
    with served.lock:
        out = {"list": _json(_list_of(served, request.path_params["list_id"]))}
    return json_response(out, records=1, request=request)


async def get_list_by_name(served: Served, request: Request) -> Response:
    """GET /crm/v3/lists/object-type-id/{objectTypeId}/name/{listName}: the name in any case."""
    name, type_id = request.path_params["list_name"], request.path_params["object_type_id"]
    with served.lock:
        found = _lists(served).named(name)
        if found is None or found.object_type_id != type_id:
            raise ObjectNotFound(f"List with name {name} does not exist.")
        out = {"list": _json(found)}
    return json_response(out, records=1, request=request)


def _record_ids(body: Any) -> list[str]:
    if not isinstance(body, list) or not all(isinstance(x, str | int) for x in body):
        raise ValidationError("The body must be a JSON array of record ids")
    return [str(x) for x in body]


def _live(served: Served, found: ObjectList, text: str) -> int | None:
    store = served.account.stores[_TYPES[found.object_type_id]]
    row = store.row_of(int(text)) if text.isdigit() else None
    return int(text) if row is not None and store.is_live(row) else None


def _change(served: Served, found: ObjectList, ids: list[str], *, add: bool) -> dict[str, list[str]]:
    done, missing, now = [], [], _now(served)
    for text in dict.fromkeys(ids):
        record = _live(served, found, text)
        if record is None:
            missing.append(text)
        elif add and record not in found.members:
            found.members[record] = now
            done.append(text)
        elif not add and found.members.pop(record, None) is not None:
            done.append(text)
    if done:
        found.version += 1
        found.updated_at = now
    key = "recordsIdsAdded" if add else "recordIdsRemoved"
    other = "recordIdsRemoved" if add else "recordsIdsAdded"
    return {other: [], key: done, "recordIdsMissing": missing}


async def add_members(served: Served, request: Request) -> Response:
    """PUT /crm/v3/lists/{listId}/memberships/add: MANUAL and SNAPSHOT lists only."""
    body, _ = await read_json(request)
    ids = _record_ids(body)
    with served.lock:
        out = _change(served, _list_of(served, request.path_params["list_id"]), ids, add=True)
    return json_response(out, records=len(ids), request=request)


async def remove_members(served: Served, request: Request) -> Response:
    """PUT /crm/v3/lists/{listId}/memberships/remove."""
    body, _ = await read_json(request)
    ids = _record_ids(body)
    with served.lock:
        out = _change(served, _list_of(served, request.path_params["list_id"]), ids, add=False)
    return json_response(out, records=len(ids), request=request)


async def get_members(served: Served, request: Request) -> Response:
    """GET /crm/v3/lists/{listId}/memberships: by record id ascending, `after` the last id of the page before."""
    limit = query_int(request, "limit", 100)
    if not 1 <= limit <= _MAX_PAGE:
        raise ValidationError(f"limit must be between 1 and {_MAX_PAGE}", context={"limit": [str(limit)]})
    after = request.query_params.get("after") or ""
    with served.lock:
        found = _list_of(served, request.path_params["list_id"])
        ordered = sorted(found.members.items())
        start = int(after) if after.isdigit() else -1
        page = [(record, joined) for record, joined in ordered if record > start][:limit]
        more = bool(page) and page[-1][0] < ordered[-1][0]
        out: dict[str, Any] = {"results": [{"recordId": str(r), "membershipTimestamp": _iso(j)} for r, j in page],
                               "total": len(ordered)}  # fmt: skip
        if more:
            out["paging"] = {"next": {"after": str(page[-1][0])}}
    return json_response(out, records=len(page), request=request)
