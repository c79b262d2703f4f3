"""Creating, updating, archiving and merging records, with HubSpot's validation and side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from sandbox.hubspot.associations import types_between
from sandbox.hubspot.deal_rules import derived_stage_values
from sandbox.hubspot.errors import ApiError, Conflict, ObjectNotFound, ValidationError, property_values_error
from sandbox.hubspot.object_types import ObjectType
from sandbox.hubspot.other_links import other_kind, target_type_of
from sandbox.hubspot.store import HistoryEntry, ObjectStore, Source
from sandbox.hubspot.values import coerce_properties

if TYPE_CHECKING:
    from sandbox.hubspot.account import HubSpotAccount

__all__ = [
    "apply_write",
    "archive",
    "blocked",
    "create",
    "integration",
    "link",
    "merge",
    "parse_id",
    "validate",
]

Stored = dict[str, str | int | None]
# Unique though the properties API says `hasUniqueValue: false` (HubSpot dedupes contacts by email).
ALWAYS_UNIQUE: Final = frozenset({("contacts", "email")})
_NOT_MERGED = frozenset({"hs_object_id", "createdate", "hs_lastmodifieddate", "lastmodifieddate",
                         "hs_merged_object_ids"})  # fmt: skip


def parse_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def integration(account: HubSpotAccount) -> Source:
    """Writes through the API are attributed to the private app."""
    return Source("INTEGRATION", str(account.app_id))


def blocked(account: HubSpotAccount, otype: ObjectType, object_id: int, *, deleting: bool = False) -> ApiError | None:
    """A refusal an admin set up for this record: a validation rule (not for deletes), or a lock."""
    rule = None if deleting else account.rejections.get(otype.name, {}).get(object_id)
    if rule is not None:
        code, message = rule
        return ValidationError(message, context={"ids": [str(object_id)]},
                               errors=[{"message": message, "code": code}])  # fmt: skip
    if object_id in account.locked.get(otype.name, ()):
        message = f"{otype.singular.title()} {object_id} is locked by another operation. Wait 2 seconds and retry."
        return ApiError(423, "LOCKED", message, context={"ids": [str(object_id)]})
    return None


def _stage_pair(store: ObjectStore, row: int | None) -> tuple[str | None, str | None]:
    if row is None:
        return None, None
    pipeline, stage = store.raw(row, "pipeline"), store.raw(row, "dealstage")
    return (None if pipeline is None else str(pipeline)), (None if stage is None else str(stage))


def validate(account: HubSpotAccount, otype: ObjectType, given: Any, row: int | None = None) -> Stored:
    """Stored values for a write, or the 400 (unknown/invalid/read-only) or 409 (unique taken)."""
    if not isinstance(given, dict):
        raise ValidationError("Invalid input JSON on line 1: `properties` must be an object")
    store = account.stores[otype.name]
    values, issues = coerce_properties(store.schema, given)
    if otype.name == "deals" and not issues:
        _, issue = derived_stage_values(*_stage_pair(store, row), values, 0)
        if issue is not None:
            issues.append(issue)
    if issues:
        raise property_values_error(issues, account.portal_id)
    if otype.name == "contacts" and isinstance(values.get("email"), str):  # HubSpot keeps emails lower-cased
        values["email"] = str(values["email"]).lower()
    for name, value in values.items():
        if value is None or not _is_unique(store, name):
            continue
        other = account.uniques.lookup(store, name, str(value))
        if other is not None and other != row:
            raise _taken(otype, name, str(value), store.ids[other])
    return values


def _taken(otype: ObjectType, name: str, value: str, existing: int) -> Conflict:
    if (otype.name, name) in ALWAYS_UNIQUE:  # HubSpot's own words for a contact's email
        return Conflict(f"Contact already exists. Existing ID: {existing}", context={name: [value]})
    return Conflict(f"A {otype.singular} with {name} {value} already exists. Existing ID: {existing}",
                    context={name: [value]})  # fmt: skip


def apply_write(account: HubSpotAccount, otype: ObjectType, row: int, values: Stored,
                stamp: int | None = None, source: Source | None = None) -> bool:  # fmt: skip
    """Write validated values (plus what HubSpot calculates from them); True when anything changed."""
    store = account.stores[otype.name]
    when = account.clock.now_ms() if stamp is None else stamp
    if stamp is not None:
        account.clock.observe(stamp)
    if otype.name == "deals":
        derived, _ = derived_stage_values(*_stage_pair(store, row), values, when)
        values = {**values, **derived}
    olds = {n: store.raw(row, n) for n in values if _is_unique(store, n)}
    changed = store.write(row, values, when, source or integration(account))
    for name, old in olds.items():
        account.uniques.noted(store, row, name, old, values[name])
    return changed


def _is_unique(store: ObjectStore, name: str) -> bool:
    if (store.object_type, name) in ALWAYS_UNIQUE:
        return True
    prop = store.schema.get(name)
    return prop is not None and prop.has_unique_value


def create(account: HubSpotAccount, otype: ObjectType, values: Stored, associations: Any = None,
           source: Source | None = None) -> int:  # fmt: skip
    """A new LIVE record with the next id; its creation values start its property histories."""
    store = account.stores[otype.name]
    pairs = _association_inputs(account, otype, associations)
    stamp = account.clock.now_ms()
    if otype.name == "deals":
        derived, _ = derived_stage_values(None, None, values, stamp)
        values = {**values, **derived}
    row = store.append(store.next_id(otype.id_base), stamp, stamp, values)
    who = source or integration(account)
    store.history[row] = {n: [HistoryEntry(v, stamp, who)] for n, v in values.items() if v is not None}
    for name, value in values.items():
        if _is_unique(store, name):
            account.uniques.noted(store, row, name, None, value)
    for other, other_id, primary in pairs:
        link(account, otype.name, store.ids[row], other, other_id, primary)
    return row


def _association_inputs(account: HubSpotAccount, otype: ObjectType, raw: Any) -> list[tuple[str, int, bool]]:
    """(target type, target id, primary?) from a create's `associations`, refusing unknown targets and types.

    The type ids say what the target is (279 from a contact: a company); without them a deal's target is a
    company and a company's a deal.
    """
    out: list[tuple[str, int, bool]] = []
    for item in raw or []:
        to_id = parse_id(str((item.get("to") or {}).get("id", ""))) if isinstance(item, dict) else None
        types = item.get("types") or [] if isinstance(item, dict) else []
        ids = {int(t.get("associationTypeId", 0)) for t in types if isinstance(t, dict)}
        other = _target_type(otype, ids)
        pair = types_between(otype.name, other) if other else None
        allowed = {k.type_id for k in pair} if pair else {k.type_id for k in [other_kind(otype.name, other or "")] if k}
        target = account.stores.get(other or "")
        if to_id is None or target is None or (row := target.resolve(to_id)) is None or not target.is_live(row):
            raise ValidationError(f"Invalid association: {other} {to_id} does not exist or cannot be associated")
        if not allowed or not ids <= allowed:
            raise ValidationError(f"Invalid association type ids {sorted(ids)} between {otype.name} and {other}")
        out.append((target.object_type, target.ids[row], bool(pair) and pair[0].type_id in ids))  # type: ignore[index]
    return out


def _target_type(otype: ObjectType, ids: set[int]) -> str | None:
    pair = types_between(otype.name, "companies" if otype.name == "deals" else "deals")
    if pair is not None and (not ids or ids <= {k.type_id for k in pair}):
        return "companies" if otype.name == "deals" else "deals"
    return target_type_of(otype.name, min(ids)) if ids else None


def link(account: HubSpotAccount, from_type: str, own_id: int, to_type: str, other_id: int, primary: bool) -> None:
    """Associate two records (deal <-> company in the compact store, the rest among the other links)."""
    if {from_type, to_type} == {"deals", "companies"}:
        deal, company = (own_id, other_id) if from_type == "deals" else (other_id, own_id)
        account.links.add(deal, company, primary=primary)
    else:
        account.other_links.add(from_type, own_id, to_type, other_id)


def archive(account: HubSpotAccount, otype: ObjectType, row: int) -> None:
    account.stores[otype.name].archive(row, account.clock.now_ms())


def merge(account: HubSpotAccount, otype: ObjectType, primary_text: str, victim_text: str) -> int:
    """POST .../merge: the primary survives with the victim's gaps filled and its id in
    `hs_merged_object_ids`; the victim's id resolves to the survivor from now on."""
    store = account.stores[otype.name]
    rows = [_live_row(store, otype, text) for text in (primary_text, victim_text)]
    survivor, victim = rows
    if survivor == victim:
        raise ValidationError("Cannot merge an object with itself", context={"ids": [primary_text, victim_text]})
    victim_id = store.ids[victim]
    changes: Stored = {}
    for name in store.columns:
        if name not in _NOT_MERGED and store.raw(survivor, name) is None:
            value = store.raw(victim, name)
            if value is not None:
                changes[name] = value
    merged = [str(store.raw(survivor, "hs_merged_object_ids") or ""), str(victim_id),
              str(store.raw(victim, "hs_merged_object_ids") or "")]  # fmt: skip
    changes["hs_merged_object_ids"] = ";".join(m for m in merged if m)
    if otype.name == "companies":
        account.links.move_company(victim_id, store.ids[survivor])
    elif otype.name == "deals":
        account.links.move_deal(victim_id, store.ids[survivor])
    account.other_links.move(otype.name, victim_id, store.ids[survivor])  # contacts keep companies, deals, tickets
    store.write(survivor, changes, account.clock.now_ms(), Source("MERGE", str(victim_id)))
    store.merge_away(victim, store.ids[survivor])
    for name, value in changes.items():
        if _is_unique(store, name):
            account.uniques.noted(store, survivor, name, None, value)
    return survivor


def _live_row(store: ObjectStore, otype: ObjectType, text: str) -> int:
    object_id = parse_id(text)
    row = None if object_id is None else store.resolve(object_id)
    if row is None or not store.is_live(row):
        raise ObjectNotFound(f"Object not found. {otype.singular} id {text} does not exist",
                             context={"id": [text]})  # fmt: skip
    return row
