"""Association labels (associations v4): the portal's USER_DEFINED labels and which associations carry them.

A labelled association is one 64-bit key per direction (`from offset << 32 | to offset`, as in `other_links`)
with a 16-bit label type id beside it, in sorted `array`s: a million deal-contact roles cost megabytes.
The portal defines its labels per object pair; HubSpot numbers them per portal (ids here are this portal's).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping
from typing import Final

from sandbox.hubspot.associations import AssociationType

__all__ = ["PRIMARY_COMPANY", "LabelStore", "label_named", "labels_between"]


def _labels(first_id: int, names: tuple[str, ...], v3_prefix: str) -> tuple[AssociationType, ...]:
    return tuple(
        AssociationType(first_id + k, name, f"{v3_prefix}{name.lower().replace(' ', '_')}", "USER_DEFINED")
        for k, name in enumerate(names)
    )


DEAL_CONTACT_ROLES: Final = ("Decision Maker", "Economic Buyer", "Technical Buyer", "Evaluator", "Influencer",
                             "Executive Sponsor", "Business User", "Champion")  # fmt: skip
# (from, to) -> the USER_DEFINED labels the portal has defined for that direction (the pair's two directions
# share names, each with its own type id, as HubSpot pairs them).
_DEFINED: Final = {
    ("deals", "contacts"): _labels(201, DEAL_CONTACT_ROLES, "deal_to_contact_"),
    ("contacts", "deals"): _labels(221, DEAL_CONTACT_ROLES, "contact_to_deal_"),
}
# HubSpot's defined "Primary" company of a contact (associations v4 type ids 1 and 2).
PRIMARY_COMPANY: Final = {
    ("contacts", "companies"): AssociationType(1, "Primary", "contact_to_company"),
    ("companies", "contacts"): AssociationType(2, "Primary", "company_to_contact"),
}
_LOW: Final = (1 << 32) - 1


def labels_between(from_type: str, to_type: str) -> tuple[AssociationType, ...]:
    """The USER_DEFINED labels of one direction (empty when the portal defines none)."""
    return _DEFINED.get((from_type, to_type), ())


def label_named(from_type: str, to_type: str, name: str) -> AssociationType | None:
    return next((t for t in labels_between(from_type, to_type) if t.label == name), None)


def _by_id(from_type: str, to_type: str, type_id: int) -> AssociationType | None:
    return next((t for t in labels_between(from_type, to_type) if t.type_id == type_id), None)


class LabelStore:
    """Which labelled associations exist, both directions, with their label type ids."""

    def __init__(self, bases: Mapping[str, int]) -> None:
        self._bases = dict(bases)
        self._keys: dict[tuple[str, str], array[int]] = {}
        self._types: dict[tuple[str, str], array[int]] = {}

    def _key(self, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
        return (from_id - self._bases[from_type]) << 32 | (to_id - self._bases[to_type])

    def add(self, from_type: str, from_id: int, to_type: str, to_id: int, label: str, *, bulk: bool = False) -> None:
        """Label the association both ways (the label's type id in each direction); `bulk` sorts at `finish()`."""
        for a, a_id, b, b_id in ((from_type, from_id, to_type, to_id), (to_type, to_id, from_type, from_id)):
            found = label_named(a, b, label)
            if found is None:
                raise KeyError(f"no association label {label!r} from {a} to {b}")
            keys = self._keys.setdefault((a, b), array("q"))
            types = self._types.setdefault((a, b), array("h"))
            key = self._key(a, a_id, b, b_id)
            if bulk:
                keys.append(key)
                types.append(found.type_id)
                continue
            at = bisect_left(keys, key)
            while at < len(keys) and keys[at] == key and types[at] != found.type_id:
                at += 1
            if at == len(keys) or keys[at] != key:
                keys.insert(at, key)
                types.insert(at, found.type_id)

    def finish(self) -> None:
        for pair, keys in self._keys.items():
            order = sorted(range(len(keys)), key=keys.__getitem__)
            types = self._types[pair]
            self._keys[pair] = array("q", (keys[i] for i in order))
            self._types[pair] = array("h", (types[i] for i in order))

    def remove(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        """Drop every label of the association (both ways), as removing the association does."""
        for a, a_id, b, b_id in ((from_type, from_id, to_type, to_id), (to_type, to_id, from_type, from_id)):
            keys, types = self._keys.get((a, b)), self._types.get((a, b))
            if keys is None or types is None:
                continue
            key = self._key(a, a_id, b, b_id)
            at = bisect_left(keys, key)
            while at < len(keys) and keys[at] == key:
                del keys[at]
                del types[at]

    def of(self, from_type: str, from_id: int, to_type: str, to_id: int) -> tuple[AssociationType, ...]:
        """The labels one association carries in this direction."""
        keys, types = self._keys.get((from_type, to_type)), self._types.get((from_type, to_type))
        if not keys or types is None:
            return ()
        key = self._key(from_type, from_id, to_type, to_id)
        at, out = bisect_left(keys, key), []
        while at < len(keys) and keys[at] == key:
            found = _by_id(from_type, to_type, types[at])
            if found is not None:
                out.append(found)
            at += 1
        return tuple(out)

    def count(self) -> int:
        return sum(len(keys) for (a, b), keys in self._keys.items() if a < b)
