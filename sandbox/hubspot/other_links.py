"""Associations other than deal <-> company (contacts, line items, tickets), with HubSpot's defined type ids.

Far fewer than deal-company links (one contact per company, line items and tickets made through the API), so
a plain map per direction is small enough: `(from type, to type) -> from id -> set of to ids`.
"""

from __future__ import annotations

from typing import Final

from sandbox.hubspot.associations import AssociationType

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

    def __init__(self) -> None:
        self._links: dict[tuple[str, str], dict[int, set[int]]] = {}

    def add(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        self._links.setdefault((from_type, to_type), {}).setdefault(from_id, set()).add(to_id)
        self._links.setdefault((to_type, from_type), {}).setdefault(to_id, set()).add(from_id)

    def targets(self, from_type: str, from_id: int, to_type: str) -> list[int]:
        return sorted(self._links.get((from_type, to_type), {}).get(from_id, ()))

    def count(self) -> int:
        return sum(len(ids) for (frm, to), by_id in self._links.items() if frm < to for ids in by_id.values())
