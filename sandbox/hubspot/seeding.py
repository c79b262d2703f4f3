"""Building the account's stores from the neutral world, streaming one company at a time."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Final

from sandbox.catalog import FAMILIES
from sandbox.hubspot.associations import AssociationStore
from sandbox.hubspot.deal_rules import probability_text
from sandbox.hubspot.default_properties import INDUSTRY_VALUES, SF_LINK_PROPERTY
from sandbox.hubspot.other_links import OtherLinks
from sandbox.hubspot.pipelines import PIPELINES, STAGE_MAP, find_stage
from sandbox.hubspot.store import HistoryEntry, ObjectStore, Source
from sandbox.hubspot.timestamps import datetime_to_ms
from sandbox.people import Person, deal_roles, people
from sandbox.salesforce.ids import make_id
from sandbox.world import DEAL_SLOTS, Company, Deal, WorldSpec, companies, company, deals

__all__ = ["WorldHistory", "company_id", "deal_id", "owner_id", "seed"]

COMPANY_BASE: Final = 6_100_000_000
DEAL_BASE: Final = 11_200_000_000
_LIFECYCLE: Final = {"prospect": "opportunity", "customer": "customer", "churned": "other"}
_DEAL_TYPE: Final = {"new_business": "newbusiness", "renewal": "existingbusiness", "expansion": "existingbusiness"}
RENEWALS: Final = PIPELINES[1].id


def company_id(index: int) -> int:
    return COMPANY_BASE + 3 * index


def deal_id(index: int) -> int:
    return DEAL_BASE + index


@lru_cache(maxsize=64)
def owner_id(index: int) -> str:
    """HubSpot owner ids are 8-digit numbers; the user behind owner `i` has id `user_id(i)`."""
    return str(48_100_000 + 1_237 * (index + 1))


def user_id(index: int) -> int:
    return 9_700_000 + 31 * (index + 1)


def number_text(value: Decimal) -> str:
    """A number as HubSpot keeps one typed in the UI: `293500`, `1250.5` (no padding zeros)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _ms(value: datetime) -> int:
    return datetime_to_ms(value)


def _midnight(day: date) -> int:
    return _ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _company_values(c: Company) -> dict[str, str | int | None]:
    industry = INDUSTRY_VALUES.get(c.industry)
    return {
        "name": c.name,
        "domain": c.hs_domain,
        "industry": industry[0] if industry else None,
        "numberofemployees": sys.intern(str(c.employees)),
        "annualrevenue": number_text(c.annual_revenue),
        "country": c.country,
        "hubspot_owner_id": owner_id(c.owner),
        "hs_parent_company_id": str(company_id(c.parent)) if c.parent is not None else None,
        "lifecyclestage": _LIFECYCLE[c.lifecycle],
        SF_LINK_PROPERTY: make_id("001", c.index) if c.linked else None,
    }


def _stage_of(d: Deal, key: str) -> str:
    return STAGE_MAP[_pipeline_of(d)][key]


def _pipeline_of(d: Deal) -> str:
    return RENEWALS if d.type == "renewal" else PIPELINES[0].id


def _deal_values(d: Deal, owner: int) -> dict[str, str | int | None]:
    stage = _stage_of(d, d.stage)
    found = find_stage(stage)
    assert found is not None
    info = found[1]
    values: dict[str, str | int | None] = {
        "dealname": d.name,
        "amount": number_text(d.amount),
        "deal_currency_code": d.currency,
        "pipeline": _pipeline_of(d),
        "dealstage": stage,
        "closedate": _midnight(d.close_date),
        "dealtype": _DEAL_TYPE.get(d.type),
        "hs_is_closed": "true" if info.is_closed else "false",
        "hs_is_closed_won": "true" if info.is_won else "false",
        "hs_deal_stage_probability": probability_text(info.probability),
        "hubspot_owner_id": owner_id(owner),
    }
    entries = [(_stage_of(d, key), _ms(at)) for key, at in d.history]
    for k, (stage_id, at) in enumerate(entries):
        values[f"hs_v2_date_entered_{stage_id}"] = at  # later entries overwrite: the latest one stays
        if k + 1 < len(entries):
            values[f"hs_v2_date_exited_{stage_id}"] = entries[k + 1][1]
    return values


PRODUCT_BASE: Final = 1_400_000_000
CONTACT_BASE: Final = 151  # HubSpot's first contact id in a new portal


def _add_people(store: ObjectStore, others: OtherLinks, c: Company, crew: tuple[Person, ...]) -> list[int]:
    """The company's contacts, each associated with it (its primary company) and some with the parent too;
    returns the contact id of each person (by slot)."""
    domain = c.domain if not c.public_domain else c.hs_domain
    ids, taken = [], set()
    for person in crew:
        local = f"{person.first_name}.{person.last_name}".lower()
        local = f"{local}.{c.index}" if c.public_domain else local
        local = f"{local}{person.slot}" if local in taken else local  # HubSpot keeps one contact per email
        taken.add(local)
        values: dict[str, str | int | None] = {
            "firstname": person.first_name, "lastname": person.last_name, "email": f"{local}@{domain}",
            "jobtitle": person.title, "hubspot_owner_id": owner_id(c.owner),
            "associatedcompanyid": sys.intern(str(company_id(c.index))),
            "notes_last_updated": _ms(person.last_activity) if person.last_activity else None,
        }  # fmt: skip
        contact_id = store.next_id(CONTACT_BASE)
        store.append(contact_id, _ms(person.created_at), _ms(person.created_at), values, bulk=True)
        others.add("contacts", contact_id, "companies", company_id(c.index), bulk=True)
        if person.also_at is not None:
            others.add("contacts", contact_id, "companies", company_id(person.also_at), bulk=True)
        ids.append(contact_id)
    return ids


def _add_products(store: ObjectStore, stamp: int) -> None:
    """The product library: one product per family, as the Salesforce half's Product2 rows."""
    for n, (family, name) in enumerate(FAMILIES.items()):
        values: dict[str, str | int | None] = {"name": name, "price": str(1000 * (n + 1)),
                                               "hs_sku": f"{family[:4].upper()}-{100 + n}"}  # fmt: skip
        store.append(PRODUCT_BASE + n, stamp, stamp, values, bulk=True)


def _add_company(stores: dict[str, ObjectStore], c: Company) -> None:
    store = stores["companies"]
    row = store.append(company_id(c.index), _ms(c.created_at), _ms(c.modified_at), _company_values(c), bulk=True)
    if c.merged_into is not None:
        survivor = store.row_of(company_id(c.merged_into))
        if survivor is not None:
            merged = store.raw(survivor, "hs_merged_object_ids")
            ids = [*str(merged).split(";"), str(store.ids[row])] if merged else [str(store.ids[row])]
            store.columns["hs_merged_object_ids"].set(survivor, ";".join(ids))
            if store.updated[survivor] < _ms(c.modified_at):  # the merge is the survivor's latest change
                store.updated[survivor] = _ms(c.modified_at)
        store.merge_away(row, company_id(c.merged_into))
    elif c.deleted:
        store.archive(row, _ms(c.modified_at))


def _add_deals(stores: dict[str, ObjectStore], links: AssociationStore, others: OtherLinks, spec: WorldSpec,
               c: Company, crew: tuple[Person, ...], contacts: list[int]) -> None:  # fmt: skip
    store = stores["deals"]
    for d in deals(spec, c):
        if d.crm != "hubspot":
            continue
        values = _deal_values(d, c.owner)
        row = store.append(deal_id(d.index), _ms(d.created_at), _ms(d.modified_at), values, bulk=True)
        if d.deleted:
            store.archive(row, _ms(d.modified_at))
        if not c.deleted:
            links.add(store.ids[row], company_id(c.index), primary=True, bulk=True)
            if c.parent is not None and d.index % 3 == 0:
                links.add(store.ids[row], company_id(c.parent), primary=False, bulk=True)
        for role in deal_roles(spec, d, crew):  # the deal's contacts, labelled with their role
            others.add("deals", store.ids[row], "contacts", contacts[role.slot], bulk=True)
            others.labels.add("deals", store.ids[row], "contacts", contacts[role.slot], role.role, bulk=True)


def seed(spec: WorldSpec, stores: dict[str, ObjectStore], links: AssociationStore, others: OtherLinks) -> None:
    """Fill the stores with the world's products, HubSpot companies and deals (in ascending id order)."""
    _add_products(stores["products"], _ms(spec.start))
    for c in companies(spec):
        if not c.in_hubspot:
            continue
        _add_company(stores, c)
        if c.merged_into is None:
            crew = () if c.deleted else people(spec, c)
            contacts = _add_people(stores["contacts"], others, c, crew)
            _add_deals(stores, links, others, spec, c, crew, contacts)
    for store in stores.values():
        store.rebuild_index()
    links.finish()
    others.finish()
    deal_store = stores["deals"]
    deal_store.seed_history = WorldHistory(spec, deal_store.ids[-1] if deal_store.ids else 0)


class WorldHistory:
    """The stage history of a world deal, rebuilt on demand from the world instead of kept in memory."""

    def __init__(self, spec: WorldSpec, last_world_id: int) -> None:
        self.spec = spec
        self.last_world_id = last_world_id

    def __call__(self, object_id: int) -> dict[str, list[HistoryEntry]]:
        index = object_id - DEAL_BASE
        if object_id > self.last_world_id or index < 0:
            return {}
        owner_company = company(self.spec, index // DEAL_SLOTS)
        found = [d for d in deals(self.spec, owner_company) if d.index == index]
        if not found:
            return {}
        uid = user_id(owner_company.owner)
        source = Source("CRM_UI", f"userId:{uid}", uid)
        d = found[0]
        entries = [HistoryEntry(_stage_of(d, key), _ms(at), source) for key, at in d.history]
        return {"dealstage": entries, "pipeline": [HistoryEntry(_pipeline_of(d), _ms(d.created_at), source)]}
