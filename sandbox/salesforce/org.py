"""The Salesforce org: its tables and the state around them (sessions, quota, cursors, jobs, rules, locks)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any, Final

from sandbox.salesforce import permissions
from sandbox.salesforce.access import Access, Clock
from sandbox.salesforce.build import INTEGRATION_USER, Tables, build
from sandbox.salesforce.campaign_rules import validate_member
from sandbox.salesforce.cursors import Cursors
from sandbox.salesforce.dml import Change, RecordError
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.ids import KEY_PREFIXES, canonical, make_id
from sandbox.salesforce.jobs import Jobs
from sandbox.salesforce.store import ABSENT, DELETED, ChildIndex, Table
from sandbox.salesforce.tooling import Tooling
from sandbox.salesforce.values import to_ms
from sandbox.world import WorldSpec

RECYCLE_BIN_MS: Final = 15 * 86_400_000
VALIDATION_MESSAGE: Final = "This record cannot be saved: it fails a validation rule."
CASCADES: Final = (
    ("Account", "Opportunity", "AccountId"),
    ("Opportunity", "OpportunityHistory", "OpportunityId"),
    ("Opportunity", "OpportunityLineItem", "OpportunityId"),
)


class SalesforceOrg:
    """One org. Plain single-threaded object: callers hold the sandbox context's lock."""

    def __init__(self, tables: Tables, spec: WorldSpec | None = None) -> None:
        self.tables = tables
        self.by_name = tables.by_name
        self.schema = tables.schema
        self.spec = spec
        self.clock = Clock()
        self.org_id = make_id(KEY_PREFIXES["Organization"], 0)
        self.access = Access(self.org_id)
        self.user = INTEGRATION_USER
        self.cursors = Cursors()
        self.jobs = Jobs()
        self.tooling = Tooling()
        self.rejections: dict[str, dict[int | None, tuple[str, str]]] = {}
        self.locks: dict[str, set[int]] = {}
        self.earliest_available = self.clock.now() - RECYCLE_BIN_MS if spec is None else to_ms(spec.start)
        self.world_now = to_ms(spec.now) if spec is not None else 0
        self.children_of: dict[str, list[tuple[Table, ChildIndex]]] = {}
        self._ext_index: dict[tuple[str, str], dict[str, set[int]]] = {}
        for parent, child, column in CASCADES:
            index = ChildIndex(self.by_name[child.lower()], column)
            self.children_of.setdefault(parent, []).append((index.child, index))
        self.purge()
        permissions.refresh(self)
        start = self.earliest_available
        for obj in self.schema:
            for definition in obj.all_fields():
                if definition.custom:
                    self.tooling.register(obj, definition, {"label": definition.label}, start)

    @classmethod
    def from_world(cls, spec: WorldSpec) -> SalesforceOrg:
        """The org holding the world's Salesforce and shared companies, their deals, history and products."""
        return cls(build(spec), spec)

    # --- lookups --------------------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        found = self.by_name.get(name.lower())
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist: {name}")
        return found

    def children(self, table: Table, row: int) -> list[tuple[Table, int]]:
        return [
            (child, r) for child, index in self.children_of.get(table.definition.name, ()) for r in index.children(row)
        ]

    def user_row(self, ref: Any) -> int:
        """A User row from a row number, an id or a username (admin actions name editors any of these ways)."""
        users = self.table("User")
        if isinstance(ref, int):
            return ref
        row = users.row_of(str(ref)) if str(ref).startswith(users.prefix) else None
        if row is None:
            row = next((r for r in range(len(users)) if users.get(r, "Username") == ref), None)
        if row is None:
            raise KeyError(f"no such user {ref!r}")
        return row

    # --- rules an admin sets up ------------------------------------------------------------------------
    def check_writable(self, table: Table, row: int) -> None:
        """Refuse a write to a deleted or locked record."""
        if table.state[row] == DELETED:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
        if row in self.locks.get(table.definition.name, ()):
            message = f"unable to obtain exclusive access to this record or 1 records: {table.id_of(row)}"
            raise RecordError("UNABLE_TO_LOCK_ROW", message)

    def check_rules(self, table: Table, row: int | None) -> None:
        """Validation rules set with the admin `reject_writes` action."""
        rules = self.rejections.get(table.definition.name)
        if not rules:
            return
        rule = rules.get(row) if row is not None and row in rules else rules.get(None)
        if rule is not None:
            raise RecordError(rule[0], rule[1])

    def validate(self, change: Change) -> None:
        """Object-specific checks beyond the field rules (FieldPermissions must name a real field)."""
        if change.table.definition.name == "FieldPermissions":
            permissions.validate(self, change)
        elif change.table.definition.name == "CampaignMember":
            validate_member(self, change)

    def after_write(self, table: Table) -> None:
        """Grants changed: recompute field-level security."""
        if table.definition.name in {"FieldPermissions", "PermissionSetAssignment"}:
            permissions.refresh(self)

    # --- external ids -----------------------------------------------------------------------------------
    def external_rows(self, table: Table, field: str, value: str) -> list[int]:
        """Live rows whose external-id `field` equals `value` (case-insensitive), from a lazily built index.

        `Id` is an external id too (upserts may name it): its row, found by the 15- or 18-character id.
        """
        if field == "Id":
            record_id = canonical(value) if value else None
            row = table.row_of(record_id) if record_id and record_id.startswith(table.prefix) else None
            return [row] if row is not None and table.live(row) else []
        key = (table.definition.name, field)
        index = self._ext_index.get(key)
        if index is None:
            index = self._ext_index[key] = {}
            column = table.columns[field]
            for row in table.rows(include_deleted=False):
                found = column.get(row)
                if found is not None:
                    index.setdefault(str(found).lower(), set()).add(row)
        return sorted(r for r in index.get(value.lower(), ()) if table.live(r))

    def unindex_row(self, table: Table, row: int) -> None:
        for (name, field), index in self._ext_index.items():
            value = table.get(row, field) if name == table.definition.name else None
            if value is not None:
                index.get(str(value).lower(), set()).discard(row)

    def index_row(self, table: Table, row: int) -> None:
        for (name, field), index in self._ext_index.items():
            value = table.get(row, field) if name == table.definition.name else None
            if value is not None:
                index.setdefault(str(value).lower(), set()).add(row)

    # --- recycle bin ------------------------------------------------------------------------------------
    def reference_now(self) -> int:
        """'Now' for the 15-day recycle bin and the 30-day replication reach of the world's own deletions.

        The world ends at `WorldSpec.now`, which may lie days before the real clock; measuring the world's
        deletions against `WorldSpec.now` keeps what an org built from one spec shows independent of the
        day the sandbox runs. Deletions made while it runs are measured against the real clock.
        """
        now = self.clock.now()
        return min(now, self.world_now) if self.world_now else now

    def purge(self) -> None:
        """Empty the recycle bin of records deleted more than 15 days ago (they are gone even for queryAll)."""
        cutoff = self.clock.now() - RECYCLE_BIN_MS
        world_cutoff = self.reference_now() - RECYCLE_BIN_MS
        for table in self.by_name.values():
            old = [
                row for row, at in table.deleted_at.items()
                if at < (world_cutoff if at <= self.world_now else cutoff)
            ]  # fmt: skip
            for row in old:
                self.earliest_available = max(self.earliest_available, table.deleted_at[row])
                self._erase(table, row)

    def hard_delete(self, table: Table, row: int) -> None:
        """Delete for good: gone from queryAll and the recycle bin, as Bulk hardDelete or an emptied bin does."""
        self._erase(table, row)
        self.earliest_available = max(self.earliest_available, self.clock.stamp())

    def _erase(self, table: Table, row: int) -> None:
        for child, child_row in self.children(table, row):
            self._erase(child, child_row)
        self.unindex_row(table, row)
        table.state[row] = ABSENT
        table.deleted_at.pop(row, None)

    # --- the contract with the sandbox core ----------------------------------------------------------------
    def apply_admin(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run an admin action (see ARCHITECTURE.md); unknown actions raise KeyError."""
        from sandbox.salesforce.admin_actions import ACTIONS

        result: dict[str, Any] = ACTIONS[action](self, params)
        return result

    def mutate_random(self, rng: random.Random, now: datetime) -> dict[str, Any]:
        """One random change, as a user of the org would make it; returns what it did."""
        from sandbox.salesforce.mutations import mutate

        result: dict[str, Any] = mutate(self, rng, now)
        return result

    def snapshot(self) -> dict[str, Any]:
        """Counts for /__sandbox/stats."""
        objects = {
            t.definition.name: {"live": t.count(False), "deleted": t.count(True) - t.count(False)}
            for t in self.by_name.values()
        }
        return {
            "objects": objects, "api_usage": {"used": self.access.used, "max": self.access.daily_max},
            "sessions": len(self.access.sessions), "cursors": len(self.cursors), "jobs": len(self.jobs),
        }  # fmt: skip
