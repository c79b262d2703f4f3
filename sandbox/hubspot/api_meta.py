"""Owners, object schemas, the legacy (v2) properties list, and batch creation of properties and associations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.catalog import OWNERS
from sandbox.hubspot.associations import types_between
from sandbox.hubspot.errors import ApiError, ObjectNotFound, ValidationError
from sandbox.hubspot.http_io import json_response, query_flag, query_int, read_json
from sandbox.hubspot.object_types import OBJECT_TYPES, ObjectType, object_type
from sandbox.hubspot.other_links import other_kind
from sandbox.hubspot.properties import PropertyDef
from sandbox.hubspot.seeding import owner_id, user_id
from sandbox.hubspot.served import Served
from sandbox.hubspot.timestamps import iso_ms
from sandbox.hubspot.writes import link
from sandbox.people import sales_team

__all__ = [
    "batch_create_associations_v3",
    "batch_create_associations_v4",
    "batch_create_properties",
    "get_owner",
    "get_schema",
    "legacy_properties",
    "list_owners",
    "list_schemas",
]

OWNERS_CREATED: Final = 1_640_995_200_000  # 2022-01-01: the reps were set up before the world starts
LABELS: Final = {"companies": ("Company", "Companies"), "deals": ("Deal", "Deals"), "contacts": ("Contact", "Contacts"),
                 "tickets": ("Ticket", "Tickets"), "products": ("Product", "Products"),
                 "line_items": ("Line Item", "Line Items")}  # fmt: skip
PRIMARY_DISPLAY: Final = {"companies": "name", "deals": "dealname", "contacts": "email", "tickets": "subject",
                          "products": "name", "line_items": "name"}  # fmt: skip


def _owner_json(index: int) -> dict[str, Any]:
    owner, team = OWNERS[index], sales_team(index)
    return {
        "id": owner_id(index), "email": owner.email, "type": "PERSON", "firstName": owner.first_name,
        "lastName": owner.last_name, "userId": user_id(index), "userIdIncludingInactive": user_id(index),
        "createdAt": iso_ms(OWNERS_CREATED), "updatedAt": iso_ms(OWNERS_CREATED), "archived": not owner.active,
        "teams": [{"id": str(team[0]), "name": team[1], "primary": True}],
    }  # fmt: skip


async def list_owners(served: Served, request: Request) -> Response:
    """GET /crm/v3/owners: active owners (`archived=true`: the deactivated ones), `email` filter, paged."""
    archived, email = query_flag(request, "archived"), request.query_params.get("email")
    limit = min(max(query_int(request, "limit", 100), 1), 500)
    after = request.query_params.get("after") or "0"
    if not after.isdigit():
        raise ValidationError(f"Invalid paging cursor: after={after}", context={"after": [after]})
    chosen = [o.index for o in OWNERS if o.active != archived and (email is None or o.email == email)]
    page = chosen[int(after) : int(after) + limit]
    body: dict[str, Any] = {"results": [_owner_json(i) for i in page]}
    if int(after) + limit < len(chosen):
        body["paging"] = {"next": {"after": str(int(after) + limit)}}
    return json_response(body, records=len(page), request=request)


async def get_owner(served: Served, request: Request) -> Response:
    wanted = request.path_params["owner_id"]
    found = next((o.index for o in OWNERS if owner_id(o.index) == wanted), None)
    if found is None:
        raise ObjectNotFound(f"No owner found with id {wanted}")
    return json_response(_owner_json(found), records=1, request=request)


def _schema_json(served: Served, otype: ObjectType) -> dict[str, Any]:
    store = served.account.stores[otype.name]
    singular, plural = LABELS[otype.name]
    links = [
        {"fromObjectTypeId": otype.type_id, "toObjectTypeId": object_type(other).type_id, "name": kind.v3_name.upper(),
         "id": str(kind.type_id), "createdAt": None, "updatedAt": None}
        for other in ("companies", "deals") for kind in (types_between(otype.name, other) or ())
    ]  # fmt: skip
    return {
        "id": otype.type_id, "createdAt": iso_ms(OWNERS_CREATED), "updatedAt": iso_ms(OWNERS_CREATED),
        "archived": False, "labels": {"singular": singular, "plural": plural},
        "requiredProperties": [PRIMARY_DISPLAY[otype.name]], "searchableProperties": list(otype.query_properties),
        "primaryDisplayProperty": PRIMARY_DISPLAY[otype.name], "secondaryDisplayProperties": [],
        "objectTypeId": otype.type_id, "fullyQualifiedName": otype.name, "name": otype.name,
        "properties": [p.as_json() for p in store.schema.all()], "associations": links,
    }  # fmt: skip


async def list_schemas(served: Served, request: Request) -> Response:
    """GET /crm/v3/schemas: the portal's custom object schemas (none: this portal has standard objects only)."""
    return json_response({"results": []}, records=0, request=request)


async def get_schema(served: Served, request: Request) -> Response:
    """GET /crm/v3/schemas/{objectType}: a standard object's schema by name or type id (`0-2`)."""
    name = request.path_params["object_type"]
    otype = next((t for t in OBJECT_TYPES if name in (t.name, t.type_id)), None)
    if otype is None:
        raise ObjectNotFound(f"Unable to find object type {name}")
    with served.lock:
        body = _schema_json(served, otype)
    return json_response(body, records=1, request=request)


def _legacy(prop: PropertyDef) -> dict[str, Any]:
    """A property as the v2 properties API writes it (epoch-ms stamps, flat read-only flags)."""
    return {
        "name": prop.name, "label": prop.label, "description": prop.description, "groupName": prop.group_name,
        "type": prop.type, "fieldType": prop.field_type, "hidden": prop.hidden,
        "options": [{"label": o.label, "value": o.value, "displayOrder": o.display_order, "hidden": False,
                     "readOnly": False, "description": None} for o in prop.options],
        "displayOrder": prop.display_order, "calculated": prop.calculated, "externalOptions": prop.external_options,
        "hasUniqueValue": prop.has_unique_value, "hubspotDefined": prop.hubspot_defined, "formField": prop.form_field,
        "readOnlyValue": prop.read_only_value, "readOnlyDefinition": prop.read_only_definition,
        "mutableDefinitionNotDeletable": prop.hubspot_defined, "favorited": False, "favoritedOrder": -1,
        "displayMode": "current_value", "showCurrencySymbol": prop.show_currency_symbol, "deleted": False,
        "createdAt": prop.created_at, "updatedAt": prop.updated_at, "createdUserId": None, "updatedUserId": None,
        "searchableInGlobalSearch": False, "optionsAreMutable": None, "isCustomizedDefault": False,
        "textDisplayHint": None, "numberDisplayHint": None, "referencedObjectType": prop.referenced_object_type,
    }  # fmt: skip


async def legacy_properties(served: Served, request: Request) -> Response:
    """GET /properties/v2/{objectType}/properties: a plain JSON array."""
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        body = [_legacy(p) for p in store.schema.all()]
    return json_response(body, records=len(body), request=request)


def _batch_body(results: list[dict[str, Any]], errors: list[dict[str, Any]], started: str) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _started()}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return body


def _error_entry(error: ApiError) -> dict[str, Any]:
    return {"status": "error", "category": error.category, "message": error.message,
            "context": error.context or {}, "errors": error.errors or []}  # fmt: skip


def _started() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _inputs(request: Request) -> list[Any]:
    body, _ = await read_json(request)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not inputs:
        raise ValidationError("Invalid input JSON on line 1: `inputs` must be a non-empty list",
                              context={"inputs": [str(inputs)[:100]]})  # fmt: skip
    return inputs


async def batch_create_properties(served: Served, request: Request) -> Response:
    """POST /crm/v3/properties/{type}/batch/create: 201, or 207 with each refused input in `errors`."""
    started, inputs = _started(), await _inputs(request)
    results, errors = [], []
    with served.lock:
        _, store = served.account.store_of(request.path_params["object_type"])
        for item in inputs:
            try:
                prop = store.schema.create(item if isinstance(item, dict) else {}, served.account.clock.now_ms())
            except ApiError as error:
                errors.append(_error_entry(error))
                continue
            store.ensure_column(prop.name, prop.type)
            results.append(prop.as_json())
    status = 207 if errors else 201
    return json_response(_batch_body(results, errors, started), status=status, records=len(results), request=request)


def _pair(served: Served, request: Request) -> tuple[ObjectType, ObjectType]:
    from_type = object_type(request.path_params["from_type"])
    to_type = object_type(request.path_params["to_type"])
    if types_between(from_type.name, to_type.name) is None and other_kind(from_type.name, to_type.name) is None:
        raise ValidationError(f"No associations are defined between {from_type.name} and {to_type.name}")
    return from_type, to_type


def _link(served: Served, from_type: ObjectType, from_id: Any, to_type: ObjectType, to_id: Any) -> tuple[int, int]:
    """Associate two live records (unlabeled); their ids as ints, or the 400 HubSpot answers."""
    ids = []
    for otype, raw in ((from_type, from_id), (to_type, to_id)):
        text = str(raw.get("id") if isinstance(raw, dict) else raw)
        store = served.account.stores[otype.name]
        row = store.row_of(int(text)) if text.isdigit() else None
        if row is None or not store.is_live(row):
            raise ValidationError(f"{otype.singular.title()} {text} does not exist", context={"id": [text]})
        ids.append(int(text))
    link(served.account, from_type.name, ids[0], to_type.name, ids[1], primary=False)
    return ids[0], ids[1]


async def batch_create_associations_v3(served: Served, request: Request) -> Response:
    """POST /crm/v3/associations/{from}/{to}/batch/create: `{from: {id}, to: {id}, type}` per input."""

    def result(from_type: Any, to_type: Any, item: dict[str, Any], one: int, other: int) -> dict[str, Any]:
        kind = str(item.get("type") or f"{from_type.singular}_to_{to_type.singular}")
        return {"from": {"id": str(one)}, "to": {"id": str(other)}, "type": kind}

    return await _batch_create_associations(served, request, result)


async def batch_create_associations_v4(served: Served, request: Request) -> Response:
    """POST /crm/v4/associations/{from}/{to}/batch/create: labelled (`types`) associations per input."""

    def result(from_type: Any, to_type: Any, _item: dict[str, Any], one: int, other: int) -> dict[str, Any]:
        return {"fromObjectTypeId": from_type.type_id, "fromObjectId": one, "toObjectTypeId": to_type.type_id,
                "toObjectId": other, "labels": []}  # fmt: skip

    return await _batch_create_associations(served, request, result)


async def _batch_create_associations(
    served: Served, request: Request, result: Callable[[Any, Any, dict[str, Any], int, int], dict[str, Any]]
) -> Response:
    """Link each input's pair; `result` shapes an input's answer in its API version's form (207 with errors)."""
    started, inputs = _started(), await _inputs(request)
    results, errors = [], []
    with served.lock:
        from_type, to_type = _pair(served, request)
        for item in inputs:
            try:
                one, other = _link(served, from_type, item.get("from"), to_type, item.get("to"))
            except ApiError as error:
                errors.append(_error_entry(error))
                continue
            results.append(result(from_type, to_type, item, one, other))
    status = 207 if errors else 201
    return json_response(_batch_body(results, errors, started), status=status, records=len(results), request=request)
