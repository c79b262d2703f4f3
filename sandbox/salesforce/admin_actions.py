"""Admin actions on the org (`apply_admin`): schema drift, validation rules, locks, quota, sessions, records."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce import dml
from sandbox.salesforce.dml import Change
from sandbox.salesforce.ids import canonical
from sandbox.salesforce.records import leaf_getter
from sandbox.salesforce.store import DELETED, LIVE, Table
from sandbox.salesforce.values import parse_datetime_input, to_ms

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

Action = Callable[["SalesforceOrg", dict[str, Any]], dict[str, Any]]
DEFAULT_RULE: Final = ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "This record cannot be saved: it fails a validation rule.")


def _field(org: SalesforceOrg, params: dict[str, Any]) -> tuple[Table, str]:
    table = org.table(params["object"])
    found = table.definition.stored(params["field"])
    if found is None:
        raise KeyError(f"no field {params['field']!r} on {table.definition.name}")
    return table, found.name


def _rows(org: SalesforceOrg, table: Table, ids: Any) -> list[int]:
    rows = []
    for raw in [ids] if isinstance(ids, str) else list(ids or ()):
        record_id = canonical(str(raw))
        row = table.row_of(record_id) if record_id else None
        if row is None:
            raise KeyError(f"no {table.definition.name} with id {raw!r}")
        rows.append(row)
    return rows


def remove_field(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table, name = _field(org, params)
    table.definition.removed.add(name)
    return {"removed": f"{table.definition.name}.{name}"}


def restore_field(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table, name = _field(org, params)
    table.definition.removed.discard(name)
    return {"restored": f"{table.definition.name}.{name}"}


def reject_writes(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    rule = (params.get("code") or DEFAULT_RULE[0], params.get("message") or DEFAULT_RULE[1])
    rules = org.rejections.setdefault(table.definition.name, {})
    ids = params.get("ids")
    for row in _rows(org, table, ids) if ids else [None]:
        rules[row] = rule
    return {"object": table.definition.name, "rules": len(rules)}


def stop_rejecting(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    return {"object": table.definition.name, "removed": len(org.rejections.pop(table.definition.name, {}))}


def lock(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    locked = org.locks.setdefault(table.definition.name, set())
    locked.update(_rows(org, table, params.get("ids")))
    return {"object": table.definition.name, "locked": len(locked)}


def unlock(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    locked = org.locks.setdefault(table.definition.name, set())
    ids = params.get("ids")
    if ids:
        locked.difference_update(_rows(org, table, ids))
    else:
        locked.clear()
    return {"object": table.definition.name, "locked": len(locked)}


def set_quota(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    org.access.used = int(params.get("used", org.access.used))
    org.access.daily_max = int(params.get("max", org.access.daily_max))
    return {"used": org.access.used, "max": org.access.daily_max}


def expire_sessions(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    return {"expired": org.access.expire_all()}


def issue_refresh_token(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    """A refresh token as an earlier web-server-flow consent would have left (for tests of that grant)."""
    return {"refresh_token": org.access.issue_refresh_token(org.user_row(params.get("user", org.user)))}


def _editor(org: SalesforceOrg, table: Table, row: int | None, params: dict[str, Any]) -> int:
    if "user" in params:
        return org.user_row(params["user"])
    owner = table.get(row, "OwnerId") if row is not None and "OwnerId" in table.columns else None
    return owner if owner is not None else org.user


def _stamp(params: dict[str, Any]) -> int | None:
    """An explicit SystemModstamp for the write (epoch ms or ISO), so tests can make ties."""
    raw = params.get("stamp")
    if raw is None or raw == "":
        return None
    if isinstance(raw, int | float) or str(raw).isdigit():
        return int(raw)
    moment = parse_datetime_input(str(raw))
    if moment is None:
        raise ValueError(f"stamp {raw!r} is neither epoch ms nor an ISO date-time")
    return to_ms(moment)


def delete(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    rows = [r for r in _rows(org, table, params.get("ids")) if table.state[r] == LIVE]
    for row in rows:
        dml.delete(org, table, row, _editor(org, table, row, params), _stamp(params))
    return {"deleted": [table.id_of(r) for r in rows]}


def hard_delete(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    rows = _rows(org, table, params.get("ids"))
    for row in rows:
        org.hard_delete(table, row)
    return {"hard_deleted": [table.id_of(r) for r in rows]}


def merge(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    """Merge `victim` into `survivor`: children move over, the victim is deleted with MasterRecordId set."""
    table = org.table(params.get("object", "Account"))
    survivor, victim = (_rows(org, table, params[k])[0] for k in ("survivor", "victim"))
    if table.state[survivor] != LIVE or table.state[victim] != LIVE or survivor == victim:
        raise KeyError("merge needs two different live records")
    user = _editor(org, table, survivor, params)
    for child, row in org.children(table, victim):
        if child.state[row] == LIVE and child.definition.name == "Opportunity":
            dml.apply(org, Change(child, row, {"AccountId": survivor}), user)
    dml.apply(org, Change(table, survivor, {}), user)
    table.set(victim, "MasterRecordId", survivor)
    dml.delete(org, table, victim, user)
    return {"survivor": table.id_of(survivor), "victim": table.id_of(victim)}


def _values(table: Table, fields: dict[str, Any]) -> dict[str, Any]:
    """Admin writes may touch any stored field, visible or not, read-only or not."""
    out = {}
    for key, value in fields.items():
        definition = table.definition.stored(key)
        if definition is None:
            raise KeyError(f"no field {key!r} on {table.definition.name}")
        out[definition.name] = dml.convert(definition, value)
    return out


def update(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    row = _rows(org, table, params["id"])[0]
    values = _resolve_refs(org, table, params.get("fields") or {})
    dml.apply(org, Change(table, row, values), _editor(org, table, row, params), _stamp(params))
    return get(org, {"object": table.definition.name, "id": table.id_of(row)})


def create(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    table = org.table(params["object"])
    values = _resolve_refs(org, table, params.get("fields") or {})
    row = dml.apply(org, Change(table, None, values), _editor(org, table, None, params), _stamp(params))
    return {"id": table.id_of(row)}


def _resolve_refs(org: SalesforceOrg, table: Table, fields: dict[str, Any]) -> dict[str, Any]:
    refs = {}
    plain = {}
    for key, value in fields.items():
        definition = table.definition.stored(key)
        if definition is not None and definition.storage == "ref" and value is not None:
            target = org.table(definition.reference_to[0])
            refs[definition.name] = _rows(org, target, value)[0]
        else:
            plain[key] = value
    return _values(table, plain) | refs


def get(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    """The raw stored record: every field, visible or not, plus its state."""
    table = org.table(params["object"])
    row = _rows(org, table, params["id"])[0]
    out: dict[str, Any] = {
        definition.name: leaf_getter(table, definition, org.by_name)(row)
        for definition in table.definition.all_fields()
    }
    out["_state"] = {0: "purged", LIVE: "live", DELETED: "deleted"}[table.state[row]]
    return out


def fail_job(org: SalesforceOrg, params: dict[str, Any]) -> dict[str, Any]:
    """Make a Bulk job fail when it would next move on (or now, if it already completed)."""
    job = org.jobs.by_id[str(params["id"])]
    message = str(params.get("message") or "InternalServerError : Unexpected error while processing the job")
    job.fail_with = message
    if job.state == "JobComplete":
        job.state, job.error_message = "Failed", message
    return {"id": job.id, "state": job.state}


ACTIONS: Final[dict[str, Action]] = {
    "remove_field": remove_field, "restore_field": restore_field, "reject_writes": reject_writes,
    "stop_rejecting": stop_rejecting, "lock": lock, "unlock": unlock, "set_quota": set_quota,
    "expire_sessions": expire_sessions, "delete": delete, "hard_delete": hard_delete, "merge": merge,
    "update": update, "create": create, "get": get, "issue_refresh_token": issue_refresh_token,
    "fail_job": fail_job,
}  # fmt: skip
