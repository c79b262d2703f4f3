"""Batch endpoints: read, create, update, upsert, archive (at most 100 inputs; 207 for partial success)."""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.api_objects import read_shape
from sandbox.hubspot.errors import ApiError, ObjectNotFound, ValidationError
from sandbox.hubspot.http_io import batch_envelope, json_response, query_flag, read_json
from sandbox.hubspot.object_types import ObjectType
from sandbox.hubspot.records import ReadShape, object_json, property_names
from sandbox.hubspot.served import Served
from sandbox.hubspot.store import ARCHIVED, LIVE, ObjectStore
from sandbox.hubspot.writes import apply_write, archive, blocked, create, parse_id, validate

__all__ = ["batch_archive", "batch_create", "batch_read", "batch_update", "batch_upsert"]

MAX_INPUTS: Final = 100


def error_entry(err: ApiError, ids: list[str] | None = None, trace: str | None = None) -> dict[str, Any]:
    """One `errors[]` item of a 207 answer."""
    context = dict(err.context or {})
    if ids:
        context["ids"] = ids
    if trace:
        context["objectWriteTraceId"] = [trace]
    out: dict[str, Any] = {"status": "error", "category": err.category, "message": err.message,
                           "context": context}  # fmt: skip
    if err.sub_category:
        out["subCategory"] = err.sub_category
    if err.errors:
        out["errors"] = err.errors
    return out


def not_found(otype: ObjectType, ids: list[str]) -> dict[str, Any]:
    message = f"Could not get some {otype.upper} objects, they may be deleted or not exist. Check that ids are valid."
    return error_entry(ObjectNotFound(message), ids)


async def _inputs(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    body, _ = await read_json(request)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise ValidationError("Invalid input JSON on line 1: `inputs` must be a list of objects")
    if len(inputs) > MAX_INPUTS:
        raise ValidationError(f"Too many inputs: {len(inputs)}. A batch may contain at most {MAX_INPUTS} inputs.",
                              context={"inputs": [str(len(inputs))]})  # fmt: skip
    assert isinstance(body, dict)
    return body, inputs


def _answer(request: Request, results: list[Any], errors: list[dict[str, Any]], started: int, completed: int,
            ok_status: int = 200) -> Response:  # fmt: skip
    body, multi = batch_envelope(results, errors, started, completed)
    return json_response(body, status=207 if multi else ok_status, records=len(results), request=request)


async def batch_read(served: Served, request: Request) -> Response:
    body, inputs = await _inputs(request)
    archived = query_flag(request, "archived")
    id_property = body.get("idProperty")
    with served.lock:
        account = served.account
        started = account.clock.wall_ms()
        otype, store = account.store_of(request.path_params["object_type"])
        shape = read_shape(store, otype, body.get("properties") or None, body.get("propertiesWithHistory"))
        found: dict[int, int] = {}
        missing: list[str] = []
        for item in inputs:
            text = str(item.get("id", ""))
            row = _locate(served, store, text, id_property)
            if row is None or store.state[row] != (ARCHIVED if archived else LIVE):
                missing.append(text)
            else:
                found[row] = row
        results = [object_json(store, row, shape) for row in sorted(found)]
        errors = [not_found(otype, missing)] if missing else []
        return _answer(request, results, errors, started, account.clock.wall_ms())


def _locate(served: Served, store: ObjectStore, text: str, id_property: str | None) -> int | None:
    if id_property and id_property != "hs_object_id":
        prop = store.schema.get(id_property)
        if prop is None or not prop.has_unique_value:
            raise ValidationError(f"{id_property} is not a unique identifier property for {store.object_type}")
        return served.account.uniques.lookup(store, id_property, text)
    object_id = parse_id(text)
    return None if object_id is None else store.resolve(object_id)


def _all_traced(inputs: list[dict[str, Any]]) -> bool:
    """HubSpot answers per-input failures as 207 only when every input carries an objectWriteTraceId."""
    return bool(inputs) and all(isinstance(i.get("objectWriteTraceId"), str) for i in inputs)


async def batch_create(served: Served, request: Request) -> Response:
    _, inputs = await _inputs(request)
    traced = _all_traced(inputs)
    with served.lock:
        account = served.account
        started = account.clock.wall_ms()
        otype, store = account.store_of(request.path_params["object_type"])
        planned: list[tuple[dict[str, Any], Any]] = []
        errors: list[dict[str, Any]] = []
        for item in inputs:
            try:
                planned.append((item, validate(account, otype, item.get("properties", {}))))
            except ApiError as err:
                if not traced:
                    raise
                errors.append(error_entry(err, trace=item["objectWriteTraceId"]))
        results = []
        for item, values in planned:
            row = create(account, otype, values, item.get("associations"))
            shape = ReadShape(store, property_names(store, otype, [k for k, v in values.items() if v is not None]))
            results.append(object_json(store, row, shape, trace_id=item.get("objectWriteTraceId")))
        return _answer(request, results, errors, started, account.clock.wall_ms(), ok_status=201)


def _duplicates(inputs: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    dupes: set[str] = set()
    for item in inputs:
        key = str(item.get("id"))
        (dupes if key in seen else seen).add(key)
    if dupes:
        listed = sorted(dupes)
        raise ValidationError(f"Duplicate IDs found in batch input: [{', '.join(listed)}]. IDs must be unique",
                              context={"ids": listed})  # fmt: skip


async def batch_update(served: Served, request: Request) -> Response:
    _, inputs = await _inputs(request)
    _duplicates(inputs)
    traced = _all_traced(inputs)
    with served.lock:
        account = served.account
        started = account.clock.wall_ms()
        otype, store = account.store_of(request.path_params["object_type"])
        errors: list[dict[str, Any]] = []
        planned: list[tuple[dict[str, Any], int, Any]] = []
        missing: list[str] = []
        for item in inputs:
            text, trace = str(item.get("id", "")), item.get("objectWriteTraceId")
            row = _locate(served, store, text, item.get("idProperty"))
            if row is None or not store.is_live(row):
                missing.append(text)
                continue
            try:
                refusal = blocked(account, otype, store.ids[row])
                if refusal is not None:
                    errors.append(error_entry(refusal, trace=trace))
                    continue
                planned.append((item, row, validate(account, otype, item.get("properties"), row)))
            except ApiError as err:
                if not traced:
                    raise
                errors.append(error_entry(err, [text], trace))
        if missing:
            errors.insert(0, not_found(otype, missing))
        results = []
        for item, row, values in planned:
            apply_write(account, otype, row, values)
            shape = ReadShape(store, property_names(store, otype, list(values)))
            results.append(object_json(store, row, shape, trace_id=item.get("objectWriteTraceId")))
        return _answer(request, results, errors, started, account.clock.wall_ms())


async def batch_upsert(served: Served, request: Request) -> Response:
    _, inputs = await _inputs(request)
    _duplicates(inputs)
    with served.lock:
        account = served.account
        started = account.clock.wall_ms()
        otype, store = account.store_of(request.path_params["object_type"])
        errors: list[dict[str, Any]] = []
        results = []
        for item in inputs:
            result = _upsert_one(served, otype, store, item, errors)
            if result is not None:
                results.append(result)
        return _answer(request, results, errors, started, account.clock.wall_ms())


def _upsert_one(served: Served, otype: ObjectType, store: ObjectStore, item: dict[str, Any],
                errors: list[dict[str, Any]]) -> dict[str, Any] | None:  # fmt: skip
    account, text, trace = served.account, str(item.get("id", "")), item.get("objectWriteTraceId")
    id_property = item.get("idProperty")
    prop = store.schema.get(id_property) if isinstance(id_property, str) else None
    if prop is None or not prop.has_unique_value:
        raise ValidationError(f"Upsert requires an idProperty with unique values; {id_property} is not one",
                              context={"idProperty": [str(id_property)]})  # fmt: skip
    given = item.get("properties")
    row = account.uniques.lookup(store, prop.name, text)
    if row is not None:
        refusal = blocked(account, otype, store.ids[row])
        if refusal is not None:
            errors.append(error_entry(refusal, trace=trace))
            return None
        values = validate(account, otype, given, row)
        apply_write(account, otype, row, values)
        is_new = False
    else:
        values = validate(account, otype, {**(given or {}), prop.name: text})
        row = create(account, otype, values)
        is_new = True
    shape = ReadShape(store, property_names(store, otype, list(values)))
    out = object_json(store, row, shape, trace_id=trace)
    out["new"] = is_new
    return out


async def batch_archive(served: Served, request: Request) -> Response:
    _, inputs = await _inputs(request)
    with served.lock:
        otype, store = served.account.store_of(request.path_params["object_type"])
        for item in inputs:
            object_id = parse_id(str(item.get("id", "")))
            row = None if object_id is None else store.resolve(object_id)
            if row is None or not store.is_live(row):
                continue
            if blocked(served.account, otype, store.ids[row], deleting=True) is None:
                archive(served.account, otype, row)
    return Response(status_code=204)
