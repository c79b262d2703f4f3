"""`HubSpotAccount`: the local HubSpot portal (stores, schemas, associations, limits) the app serves."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any, Final

from sandbox.hubspot.associations import AssociationStore
from sandbox.hubspot.default_properties import schema_for
from sandbox.hubspot.lists import ObjectLists
from sandbox.hubspot.object_types import OBJECT_TYPES, PORTAL_ID, ObjectType, object_type
from sandbox.hubspot.other_links import OtherLinks
from sandbox.hubspot.properties import PropertySchema
from sandbox.hubspot.ratelimit import LimitSettings, RateLimiter
from sandbox.hubspot.search import SearchEngine
from sandbox.hubspot.seeding import seed
from sandbox.hubspot.store import ARCHIVED, ObjectStore
from sandbox.hubspot.timestamps import MonotonicClock
from sandbox.hubspot.uniques import UniqueIndex
from sandbox.world import WorldSpec

__all__ = ["HubSpotAccount"]

APP_ID: Final = 2_814_339


class HubSpotAccount:
    """A plain single-threaded object: callers hold the context's lock while they touch it."""

    def __init__(self, spec: WorldSpec | None = None, limits: LimitSettings | None = None) -> None:
        self.spec = spec
        self.portal_id = PORTAL_ID
        self.app_id = APP_ID
        self.schemas: dict[str, PropertySchema] = {t.name: schema_for(t.name) for t in OBJECT_TYPES}
        self.stores: dict[str, ObjectStore] = {
            t.name: ObjectStore(t.name, self.schemas[t.name], t.modified_name) for t in OBJECT_TYPES
        }
        self.links = AssociationStore(object_type("deals").id_base, object_type("companies").id_base)
        self.other_links = OtherLinks({t.name: t.id_base for t in OBJECT_TYPES})  # contacts, line items, tickets
        self.clock = MonotonicClock()
        self.limiter = RateLimiter(limits or LimitSettings(), PORTAL_ID, APP_ID)
        self.search = SearchEngine()
        self.uniques = UniqueIndex()
        self.rejections: dict[str, dict[int, tuple[str, str]]] = {}  # type -> id -> (code, message)
        self.locked: dict[str, set[int]] = {}  # type -> ids another write holds
        self.association_page_size = 500
        self.company_currency = "USD"  # the portal's company currency (account details' `companyCurrency`)
        self.object_lists = ObjectLists()  # Lists API v3 (sandbox/hubspot/lists.py)

    @classmethod
    def from_world(cls, spec: WorldSpec) -> HubSpotAccount:
        """The world's HubSpot companies (hubspot-only and both) and the deals HubSpot owns."""
        account = cls(spec)
        seed(spec, account.stores, account.links, account.other_links)
        return account

    def store_of(self, name: str) -> tuple[ObjectType, ObjectStore]:
        otype = object_type(name)
        return otype, self.stores[otype.name]

    def apply_admin(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run an admin action (see ARCHITECTURE.md); unknown actions raise KeyError."""
        from sandbox.hubspot.admin_actions import run_admin

        return run_admin(self, action, params)

    def mutate_random(self, rng: random.Random, now: datetime) -> dict[str, Any]:
        """One change a user could make: update, create, delete or merge; returns what was done."""
        from sandbox.hubspot.mutations import mutate_once

        return mutate_once(self, rng, now)

    def snapshot(self) -> dict[str, Any]:
        """Counts for /__sandbox/stats."""
        out: dict[str, Any] = {}
        for name, store in self.stores.items():
            out[name] = {
                "live": store.live_count,
                "archived": store.state.count(ARCHIVED),
                "merged": len(store.merged_into),
                "rows": len(store.ids),
            }
        out["associations"] = self.links.count() + self.other_links.count()
        out["limits"] = self.limiter.snapshot()
        return out
