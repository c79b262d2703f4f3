"""Account keys across CRMs: explicit link, then normalised domain, else the record alone; merges follow
the survivor; conflicting values settled by the job's precedence rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

from connectors import ConnectorTraits, traits
from sync.store.tables import MERGED_FIELDS

Ref = tuple[str, str]  # (connection, source_id)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """What identity needs of one stored source account."""

    connection: str
    crm: str
    source_id: str
    domain: str | None
    link_id: str | None
    merged_into: str | None
    deleted: bool
    modstamp: datetime | None
    created_at: datetime | None
    parent_source_id: str | None
    values: Mapping[str, Any]
    changed_at: Mapping[str, datetime] = dataclass_field(default_factory=dict)  # per field: when its value last changed

    def value_changed_at(self, name: str) -> datetime:
        """When the field's value last changed (pulls that moved only the modstamp do not count), else the
        record's modstamp."""
        return self.changed_at.get(name) or self.modstamp or EPOCH

    @property
    def ref(self) -> Ref:
        """The record's identity in the store."""
        return (self.connection, self.source_id)


class _Groups:
    """Union-find over record refs."""

    def __init__(self, refs: Iterable[Ref]) -> None:
        self.parent: dict[Ref, Ref] = {ref: ref for ref in refs}

    def find(self, ref: Ref) -> Ref:
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def union(self, a: Ref, b: Ref) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def assign_keys(records: list[AccountRecord]) -> dict[Ref, str]:
    """The account key of every record (deterministic: same records, same keys)."""
    by_ref = {r.ref: r for r in records}
    groups = _Groups(by_ref)
    known = {crm: traits(crm) for crm in {r.crm for r in records}}  # asked once per CRM, not per record
    by_crm_id: dict[str, dict[str, list[Ref]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        by_crm_id[r.crm][r.source_id].append(r.ref)
    for r in records:
        if r.merged_into and (r.connection, r.merged_into) in by_ref:
            groups.union(r.ref, (r.connection, r.merged_into))
    linked = _link_explicitly(records, groups, by_crm_id, known)
    _link_by_domain(records, groups, linked, known)
    members: dict[Ref, list[AccountRecord]] = defaultdict(list)
    for r in records:
        members[groups.find(r.ref)].append(r)
    keys: dict[Ref, str] = {}
    for group in members.values():
        key = group_key(group, known)
        keys.update({r.ref: key for r in group})
    return keys


def _link_explicitly(
    records: list[AccountRecord],
    groups: _Groups,
    by_crm_id: Mapping[str, Mapping[str, list[Ref]]],
    known: Mapping[str, ConnectorTraits],
) -> set[Ref]:
    """A record's link field names a record of the CRM its connector says the link points into."""
    linked: set[Ref] = set()
    for r in records:
        if not r.link_id or r.deleted:
            continue
        others = by_crm_id.get(known[r.crm].links_to, {}).get(r.link_id, [])
        for other in others:
            groups.union(r.ref, other)
            linked.update((r.ref, other))
    return linked


def _link_by_domain(
    records: list[AccountRecord], groups: _Groups, linked: set[Ref], known: Mapping[str, ConnectorTraits]
) -> None:
    """A live, unlinked record of a joining CRM (HubSpot) joins the one live, unlinked anchor record (Salesforce)
    of its domain; several anchors of one domain are ambiguous and join none."""
    unlinked = [r for r in records if r.domain and not r.deleted and r.ref not in linked]
    anchors: dict[str, list[Ref]] = defaultdict(list)
    for r in unlinked:
        if known[r.crm].domain_link == "anchor":
            anchors[r.domain or ""].append(r.ref)
    for r in unlinked:
        if known[r.crm].domain_link != "joins":
            continue
        candidates = anchors.get(r.domain or "", [])
        if len(candidates) == 1:
            groups.union(r.ref, candidates[0])


def group_key(group: list[AccountRecord], known: Mapping[str, ConnectorTraits]) -> str:
    """`<prefix>:<id>` of the group's live record of the lowest key rank (Salesforce before HubSpot), else of
    its deleted one of that rank; `known` holds the traits of the group's CRMs."""
    if len(group) == 1:
        return f"{known[group[0].crm].key_prefix}:{group[0].source_id}"

    def rank(r: AccountRecord) -> tuple[int, int, str]:
        return (known[r.crm].key_rank, 1 if r.deleted else 0, r.source_id)

    first = min(group, key=rank)
    return f"{known[first.crm].key_prefix}:{first.source_id}"


def merge_values(group: list[AccountRecord], precedence: Mapping[str, str], default: str) -> dict[str, Any]:
    """One account's values from its live records: per field, the precedence rule decides."""
    live = [r for r in group if not r.deleted] or group
    merged: dict[str, Any] = {}
    for field in MERGED_FIELDS:
        chosen = _chosen(live, field, precedence.get(field, default))
        merged[field] = None if chosen is None else chosen.values[field]
    # Annual revenue keeps the currency of the record it came from (`currency`: null for ours).
    revenue = _chosen(live, "annual_revenue", precedence.get("annual_revenue", default))
    merged["currency"] = None if revenue is None else revenue.values.get("currency")
    return merged


def _chosen(records: list[AccountRecord], field: str, rule: str) -> AccountRecord | None:
    with_value = [r for r in records if r.values.get(field) not in (None, "")]
    if not with_value:
        return None
    if rule == "most_recent":
        # A tie goes to the system of record (before, to the CRM's name in alphabetical order: the same one).
        return max(with_value, key=lambda r: (r.value_changed_at(field), -traits(r.crm).key_rank))
    return min(with_value, key=lambda r: (0 if r.crm == rule else 1, r.source_id))
