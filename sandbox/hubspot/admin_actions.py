"""Admin actions on the account (`/__sandbox/...` and tests): drift, refusals, locks, limits, edits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.errors import AdminError
from sandbox.hubspot.errors import ApiError
from sandbox.hubspot.object_types import ObjectType, object_type
from sandbox.hubspot.ratelimit import LimitSettings
from sandbox.hubspot.store import Source
from sandbox.hubspot.timestamps import parse_instant
from sandbox.hubspot.writes import apply_write, archive, create, merge, validate

if TYPE_CHECKING:
    from sandbox.hubspot.account import HubSpotAccount

__all__ = ["run_admin"]

Params = dict[str, Any]
USER_EDIT = Source("CRM_UI", "userId:9700031", 9_700_031)


def _otype(params: Params) -> ObjectType:
    try:
        return object_type(str(params["object"]))
    except (KeyError, ApiError) as err:
        raise AdminError(f"unknown or missing object: {params.get('object')!r}") from err


def _ids(params: Params) -> list[int]:
    raw = params.get("ids", [])
    try:
        return [int(i) for i in (raw if isinstance(raw, list) else [raw])]
    except (TypeError, ValueError) as err:
        raise AdminError(f"ids must be record ids: {raw!r}") from err


def _row(account: HubSpotAccount, otype: ObjectType, object_id: Any) -> int:
    store = account.stores[otype.name]
    row = store.resolve(int(object_id)) if str(object_id).isdigit() else None
    if row is None:
        raise AdminError(f"no {otype.singular} {object_id}", status=404)
    return row


def _remove_field(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    try:
        account.schemas[otype.name].remove(str(p["field"]))
    except ApiError as err:
        raise AdminError(err.message, status=404) from err
    return {"removed": p["field"]}


def _restore_field(account: HubSpotAccount, p: Params) -> Params:
    account.schemas[_otype(p).name].restore(str(p["field"]))
    return {"restored": p["field"]}


def _reject_writes(account: HubSpotAccount, p: Params) -> Params:
    otype, ids = _otype(p), _ids(p)
    rule = (str(p.get("code", "VALIDATION_RULE")), str(p.get("message", "A validation rule rejected this change.")))
    account.rejections.setdefault(otype.name, {}).update(dict.fromkeys(ids, rule))
    return {"rejecting": [str(i) for i in ids]}


def _stop_rejecting(account: HubSpotAccount, p: Params) -> Params:
    account.rejections.pop(_otype(p).name, None)
    return {"rejecting": []}


def _lock(account: HubSpotAccount, p: Params) -> Params:
    ids = _ids(p)
    account.locked.setdefault(_otype(p).name, set()).update(ids)
    return {"locked": [str(i) for i in ids]}


def _unlock(account: HubSpotAccount, p: Params) -> Params:
    held = account.locked.setdefault(_otype(p).name, set())
    held.difference_update(_ids(p))
    return {"locked": sorted(str(i) for i in held)}


def _set_daily(account: HubSpotAccount, p: Params) -> Params:
    account.limiter.set_daily_remaining(int(p["remaining"]))
    return account.limiter.snapshot()


def _set_limits(account: HubSpotAccount, p: Params) -> Params:
    now = account.limiter.settings
    account.limiter.configure(LimitSettings(
        ten_secondly=int(p.get("ten_secondly", now.ten_secondly)),
        search_per_second=int(p.get("search_per_second", now.search_per_second)),
        daily=int(p.get("daily", now.daily)),
        enabled=bool(p.get("enabled", now.enabled)),
    ))  # fmt: skip
    return account.limiter.snapshot()


def _set_page_size(account: HubSpotAccount, p: Params) -> Params:
    account.association_page_size = max(1, int(p["size"]))
    return {"association_page_size": account.association_page_size}


def _delete(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    done = []
    for object_id in _ids(p):
        row = _row(account, otype, object_id)
        archive(account, otype, row)
        done.append(str(object_id))
    return {"deleted": done}


def _merge(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    row = _api(lambda: merge(account, otype, str(p["survivor"]), str(p["victim"])))
    return {"survivor": str(account.stores[otype.name].ids[row]), "victim": str(p["victim"])}


def _update(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    row = _row(account, otype, p["id"])
    stamp = parse_instant(str(p["stamp"])) if p.get("stamp") is not None else None
    values = _api(lambda: validate(account, otype, p.get("fields", {}), row))
    changed = apply_write(account, otype, row, values, stamp=stamp, source=USER_EDIT)
    if not changed and stamp is not None:
        account.stores[otype.name].touch(row, stamp)
    return _get(account, {"object": otype.name, "id": p["id"]})


def _create(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    values = _api(lambda: validate(account, otype, p.get("fields", {})))
    row = create(account, otype, values, p.get("associations"), source=USER_EDIT)
    return _get(account, {"object": otype.name, "id": account.stores[otype.name].ids[row]})


def _associate(account: HubSpotAccount, p: Params) -> Params:
    account.links.add(int(p["deal"]), int(p["company"]), primary=bool(p.get("primary", False)))
    return {"deal": str(p["deal"]), "company": str(p["company"])}


def _get(account: HubSpotAccount, p: Params) -> Params:
    otype = _otype(p)
    store = account.stores[otype.name]
    row = _row(account, otype, p["id"])
    names = ["createdate", store.modified_name, "hs_object_id", *store.columns]
    return {
        "id": str(store.ids[row]),
        "state": {1: "live", 2: "archived", 3: "merged", 4: "purged"}[store.state[row]],
        "createdAt": store.created[row],
        "updatedAt": store.updated[row],
        "properties": {n: store.value(row, n) for n in names if n in store.schema},
    }


def _api(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ApiError as err:
        raise AdminError(err.message, status=err.status) from err


_ACTIONS: dict[str, Callable[[HubSpotAccount, Params], Params]] = {
    "remove_field": _remove_field, "restore_field": _restore_field, "reject_writes": _reject_writes,
    "stop_rejecting": _stop_rejecting, "lock": _lock, "unlock": _unlock, "set_daily": _set_daily,
    "set_limits": _set_limits, "set_association_page_size": _set_page_size, "delete": _delete,
    "merge": _merge, "update": _update, "create": _create, "get": _get, "associate": _associate,
}  # fmt: skip


def run_admin(account: HubSpotAccount, action: str, params: Params) -> Params:
    """Dispatch; an unknown action is a KeyError (the admin route answers 400)."""
    handler = _ACTIONS[action]
    try:
        return handler(account, params)
    except KeyError as err:
        raise AdminError(f"{action}: missing parameter {err}") from err
