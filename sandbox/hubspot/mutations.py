"""Random user edits for the mutator: the changes a sales team makes to companies and deals all day."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sandbox.hubspot.default_properties import INDUSTRY_VALUES
from sandbox.hubspot.object_types import object_type
from sandbox.hubspot.pipelines import find_stage
from sandbox.hubspot.store import ObjectStore, Source
from sandbox.hubspot.writes import apply_write, archive, create, merge, validate

if TYPE_CHECKING:
    from sandbox.hubspot.account import HubSpotAccount

__all__ = ["mutate_once"]

_USER: Final = Source("CRM_UI", "userId:9700062", 9_700_062)
_INDUSTRIES: Final = tuple(v for v, _ in INDUSTRY_VALUES.values())


def _pick(store: ObjectStore, rng: random.Random) -> int | None:
    if not store.live_count:
        return None
    for _ in range(64):
        row = rng.randrange(len(store.ids))
        if store.is_live(row):
            return row
    return next(store.live_rows_from(0), None)


def _edit_company(account: HubSpotAccount, rng: random.Random) -> dict[str, Any]:
    otype = object_type("companies")
    store = account.stores["companies"]
    row = _pick(store, rng)
    if row is None:
        return {"action": "noop"}
    field = rng.choice(("numberofemployees", "annualrevenue", "industry", "lifecyclestage"))
    choices: dict[str, Callable[[], str]] = {
        "numberofemployees": lambda: str(rng.randint(5, 20_000)),
        "annualrevenue": lambda: str(rng.randint(1, 500) * 100_000),
        "industry": lambda: rng.choice(_INDUSTRIES),
        "lifecyclestage": lambda: rng.choice(("opportunity", "customer", "other")),
    }
    value = choices[field]()
    values = validate(account, otype, {field: value}, row)
    apply_write(account, otype, row, values, source=_USER)
    return {"action": "update", "object": "companies", "id": str(store.ids[row]), "fields": {field: value}}


def _edit_deal(account: HubSpotAccount, rng: random.Random) -> dict[str, Any]:
    otype = object_type("deals")
    store = account.stores["deals"]
    row = _pick(store, rng)
    if row is None:
        return {"action": "noop"}
    found = find_stage(str(store.raw(row, "dealstage") or ""))
    fields: dict[str, str] = {"amount": str(rng.randint(10, 900) * 100)}
    if found is not None and not found[1].is_closed:
        stages = found[0].stages
        fields["dealstage"] = stages[min(found[1].display_order + 1, len(stages) - 1)].id
        if rng.random() < 0.3:
            fields["dealstage"] = rng.choice([s.id for s in stages if s.is_closed])
    values = validate(account, otype, fields, row)
    apply_write(account, otype, row, values, source=_USER)
    return {"action": "update", "object": "deals", "id": str(store.ids[row]), "fields": fields}


def _create_company(account: HubSpotAccount, rng: random.Random) -> dict[str, Any]:
    otype = object_type("companies")
    n = rng.randrange(1_000_000)
    fields = {"name": f"Newco {n}", "domain": f"newco{n}.example", "industry": rng.choice(_INDUSTRIES),
              "numberofemployees": str(rng.randint(5, 500))}  # fmt: skip
    row = create(account, otype, validate(account, otype, fields), source=_USER)
    return {"action": "create", "object": "companies", "id": str(account.stores["companies"].ids[row])}


def _delete(account: HubSpotAccount, rng: random.Random) -> dict[str, Any]:
    name = rng.choice(("companies", "deals"))
    store = account.stores[name]
    row = _pick(store, rng)
    if row is None:
        return {"action": "noop"}
    archive(account, object_type(name), row)
    return {"action": "delete", "object": name, "id": str(store.ids[row])}


def _merge(account: HubSpotAccount, rng: random.Random) -> dict[str, Any]:
    store = account.stores["companies"]
    survivor, victim = _pick(store, rng), _pick(store, rng)
    if survivor is None or victim is None or survivor == victim:
        return {"action": "noop"}
    ids = str(store.ids[survivor]), str(store.ids[victim])
    merge(account, object_type("companies"), *ids)
    return {"action": "merge", "object": "companies", "survivor": ids[0], "victim": ids[1]}


_CHOICES: Final = ((_edit_company, 45), (_edit_deal, 35), (_create_company, 10), (_delete, 6), (_merge, 4))


def mutate_once(account: HubSpotAccount, rng: random.Random, now: datetime) -> dict[str, Any]:
    """One edit; stamps come from the account's clock (real time, strictly increasing), not `now`."""
    del now
    action = rng.choices([c for c, _ in _CHOICES], weights=[w for _, w in _CHOICES])[0]
    return action(account, rng)
