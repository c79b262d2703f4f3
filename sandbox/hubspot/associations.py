"""Deal <-> company associations with HubSpot's type ids (primary and unlabeled), kept in two arrays.

Each association is one 64-bit key in each direction: `deal << 32 | company << 1 | primary` sorted by deal,
and `company << 32 | deal` sorted by company, where `deal` and `company` are offsets from the id bases.
Sixteen bytes an association instead of dicts of lists: a million deals cost megabytes, not hundreds.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Any, Final

from sandbox.hubspot.errors import HubSpotError

__all__ = ["AssociationStore", "AssociationType", "types_between"]

_LOW: Final = (1 << 32) - 1


@dataclass(frozen=True, slots=True)
class AssociationType:
    type_id: int
    label: str | None
    v3_name: str  # the `type` in v3 `associations` blocks
    category: str = "HUBSPOT_DEFINED"  # USER_DEFINED for the portal's own labels

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


# (from, to) -> (primary type, unlabeled type): HubSpot's defined ids.
_TYPES: Final = {
    ("deals", "companies"): (AssociationType(5, "Primary", "deal_to_company"),
                             AssociationType(341, None, "deal_to_company_unlabeled")),
    ("companies", "deals"): (AssociationType(6, "Primary", "company_to_deal"),
                             AssociationType(342, None, "company_to_deal_unlabeled")),
}  # fmt: skip


def types_between(from_type: str, to_type: str) -> tuple[AssociationType, AssociationType] | None:
    return _TYPES.get((from_type, to_type))


class AssociationStore:
    """Which companies each deal is associated with, and which one is its primary company."""

    def __init__(self, deal_base: int, company_base: int) -> None:
        self._deal_base = deal_base
        self._company_base = company_base
        self._by_deal: array[int] = array("q")
        self._by_company: array[int] = array("q")

    def _offsets(self, deal_id: int, company_id: int) -> tuple[int, int]:
        deal, company = deal_id - self._deal_base, company_id - self._company_base
        if not (0 <= deal < 1 << 30 and 0 <= company < 1 << 31):
            raise HubSpotError(f"cannot associate deal {deal_id} with company {company_id}: id out of range")
        return deal, company

    def _deal_range(self, deal: int) -> tuple[int, int]:
        return bisect_left(self._by_deal, deal << 32), bisect_left(self._by_deal, (deal + 1) << 32)

    def _company_range(self, company: int) -> tuple[int, int]:
        return bisect_left(self._by_company, company << 32), bisect_left(self._by_company, (company + 1) << 32)

    def add(self, deal_id: int, company_id: int, *, primary: bool, bulk: bool = False) -> None:
        """Associate; with `bulk` (seeding) the arrays are only sorted by `finish()`."""
        deal, company = self._offsets(deal_id, company_id)
        if bulk:
            self._by_deal.append(deal << 32 | company << 1 | int(primary))
            self._by_company.append(company << 32 | deal)
            return
        current = self._companies(deal)
        if not primary and any(c == company for c, _ in current):
            return  # already associated: an unlabeled add never demotes a primary
        for other, was_primary in current:
            if primary and was_primary:
                self._delete(deal, other)
                self._insert(deal, other, False)
        self._delete(deal, company)
        self._insert(deal, company, primary)

    def finish(self) -> None:
        self._by_deal = array("q", sorted(self._by_deal))
        self._by_company = array("q", sorted(self._by_company))

    def _insert(self, deal: int, company: int, primary: bool) -> None:
        insort(self._by_deal, deal << 32 | company << 1 | int(primary))
        insort(self._by_company, company << 32 | deal)

    def _delete(self, deal: int, company: int) -> bool:
        """Remove the pair if present; True when it was the deal's primary."""
        was_primary = False
        for flag in (0, 1):
            at = bisect_left(self._by_deal, deal << 32 | company << 1 | flag)
            if at < len(self._by_deal) and self._by_deal[at] == deal << 32 | company << 1 | flag:
                del self._by_deal[at]
                was_primary = bool(flag)
                key = company << 32 | deal
                del self._by_company[bisect_left(self._by_company, key)]
        return was_primary

    def _companies(self, deal: int) -> list[tuple[int, bool]]:
        start, stop = self._deal_range(deal)
        return [((key & _LOW) >> 1, bool(key & 1)) for key in self._by_deal[start:stop]]

    def remove(self, deal_id: int, company_id: int) -> None:
        self._delete(*self._offsets(deal_id, company_id))

    def targets(self, from_type: str, from_id: int) -> list[tuple[int, tuple[AssociationType, ...]]]:
        """(associated id, its association types) in ascending id order."""
        kinds = types_between(from_type, "companies" if from_type == "deals" else "deals")
        if kinds is None:
            return []
        primary, unlabeled = kinds
        if from_type == "deals":
            deal = from_id - self._deal_base
            pairs = [(c + self._company_base, p) for c, p in self._companies(deal)] if deal >= 0 else []
        else:
            pairs = [(d + self._deal_base, p) for d, p in self._deals(from_id - self._company_base)]
        return [(other, (primary, unlabeled) if is_primary else (unlabeled,)) for other, is_primary in pairs]

    def _deals(self, company: int) -> list[tuple[int, bool]]:
        if company < 0:
            return []
        start, stop = self._company_range(company)
        out = []
        for key in self._by_company[start:stop]:
            deal = key & _LOW
            flag_key = deal << 32 | company << 1 | 1
            at = bisect_left(self._by_deal, flag_key)
            out.append((deal, at < len(self._by_deal) and self._by_deal[at] == flag_key))
        return out

    def move_company(self, victim_id: int, survivor_id: int) -> None:
        """A company merge: the victim's deals become the survivor's (primary stays primary)."""
        victim = victim_id - self._company_base
        for deal, was_primary in self._deals(victim):
            self._delete(deal, victim)
            self.add(deal + self._deal_base, survivor_id, primary=was_primary)

    def move_deal(self, victim_id: int, survivor_id: int) -> None:
        """A deal merge: the victim's companies join the survivor's (the survivor's primary stays)."""
        survivor = survivor_id - self._deal_base
        has_primary = any(p for _, p in self._companies(survivor))
        for company, was_primary in self._companies(victim_id - self._deal_base):
            self._delete(victim_id - self._deal_base, company)
            self.add(survivor_id, company + self._company_base, primary=was_primary and not has_primary)

    def count(self) -> int:
        return len(self._by_deal)
