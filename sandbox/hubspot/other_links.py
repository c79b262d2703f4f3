"""Associations other than deal <-> company (contacts, line items, tickets), with HubSpot's defined type ids.

As compact as the deal-company store: per direction one sorted `array` of `from offset << 32 | to offset`
(offsets from each type's id base), eight bytes an association each way, since a million-company world seeds
a contact per company.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping
from typing import Final

from sandbox.hubspot.association_labels import LabelStore
from sandbox.hubspot.associations import AssociationType

_LOW: Final = (1 << 32) - 1

__all__ = ["OTHER_TYPES", "OtherLinks", "other_kind", "target_type_of"]

# (from, to) -> the HUBSPOT_DEFINED unlabeled type (HubSpot's "Association type IDs" table, associations v4).
OTHER_TYPES: Final = {
    ("contacts", "companies"): AssociationType(279, None, "contact_to_company_unlabeled"),
    ("companies", "contacts"): AssociationType(280, None, "company_to_contact_unlabeled"),
    ("deals", "contacts"): AssociationType(3, None, "deal_to_contact"),
    ("contacts", "deals"): AssociationType(4, None, "contact_to_deal"),
    ("deals", "line_items"): AssociationType(19, None, "deal_to_line_item"),
    ("line_items", "deals"): AssociationType(20, None, "line_item_to_deal"),
    ("contacts", "tickets"): AssociationType(15, None, "contact_to_ticket"),
    ("tickets", "contacts"): AssociationType(16, None, "ticket_to_contact"),
    ("tickets", "companies"): AssociationType(339, None, "ticket_to_company"),
    ("companies", "tickets"): AssociationType(340, None, "company_to_ticket"),
    ("deals", "tickets"): AssociationType(27, None, "deal_to_ticket"),
    ("tickets", "deals"): AssociationType(28, None, "ticket_to_deal"),
}


def other_kind(from_type: str, to_type: str) -> AssociationType | None:
    return OTHER_TYPES.get((from_type, to_type))


def target_type_of(from_type: str, type_id: int) -> str | None:
    """The object type an association type id leads to from `from_type` (279 from contacts: companies)."""
    return next((to for (frm, to), kind in OTHER_TYPES.items() if frm == from_type and kind.type_id == type_id), None)


class OtherLinks:
    """Both directions of every association `OTHER_TYPES` names."""

    def __init__(self, bases: Mapping[str, int]) -> None:
        self._bases = dict(bases)  # object type -> id base
        self._keys: dict[tuple[str, str], array[int]] = {}
        self.labels = LabelStore(bases)  # the USER_DEFINED labels some of these associations carry

    def _key(self, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
        return (from_id - self._bases[from_type]) << 32 | (to_id - self._bases[to_type])

    def add(self, from_type: str, from_id: int, to_type: str, to_id: int, *, bulk: bool = False) -> None:
        """Associate both ways; with `bulk` (seeding) the arrays are only sorted by `finish()`."""
        for (a, a_id), (b, b_id) in (
            ((from_type, from_id), (to_type, to_id)),
            ((to_type, to_id), (from_type, from_id)),
        ):
            keys, key = self._keys.setdefault((a, b), array("q")), self._key(a, a_id, b, b_id)
            if bulk:
                keys.append(key)
                continue
            at = bisect_left(keys, key)
            if at == len(keys) or keys[at] != key:
                keys.insert(at, key)

    def finish(self) -> None:
        self._keys = {pair: array("q", sorted(keys)) for pair, keys in self._keys.items()}
        self.labels.finish()

    def remove(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        """Drop the association both ways, with its labels."""
        for a, a_id, b, b_id in ((from_type, from_id, to_type, to_id), (to_type, to_id, from_type, from_id)):
            keys = self._keys.get((a, b))
            key = self._key(a, a_id, b, b_id)
            at = bisect_left(keys, key) if keys is not None else 0
            if keys is not None and at < len(keys) and keys[at] == key:
                del keys[at]
        self.labels.remove(from_type, from_id, to_type, to_id)

    def move(self, object_type: str, victim: int, survivor: int) -> None:
        """A merge: every association (and label) of `victim` now belongs to `survivor`."""
        for a, b in [pair for pair in self._keys if pair[0] == object_type]:
            for other in self.targets(a, victim, b):
                kept = [t.label for t in self.labels.of(a, victim, b, other) if t.label]
                self.remove(a, victim, b, other)
                self.add(a, survivor, b, other)
                for label in kept:
                    self.labels.add(a, survivor, b, other, label)

    def targets(self, from_type: str, from_id: int, to_type: str) -> list[int]:
        keys = self._keys.get((from_type, to_type))
        if keys is None:
            return []
        offset, base = from_id - self._bases[from_type], self._bases[to_type]
        out, at = [], bisect_left(keys, offset << 32)
        while at < len(keys) and keys[at] >> 32 == offset:
            out.append((keys[at] & _LOW) + base)
            at += 1
        return out

    def count(self) -> int:
        return sum(len(keys) for (a, b), keys in self._keys.items() if a < b)
