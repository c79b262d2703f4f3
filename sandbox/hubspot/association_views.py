"""Associations as the APIs show them: v3 `associations` blocks on reads, v4 labelled targets."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from sandbox.hubspot.association_labels import PRIMARY_COMPANY
from sandbox.hubspot.associations import AssociationType
from sandbox.hubspot.errors import ApiError, ValidationError
from sandbox.hubspot.object_types import ObjectType, object_type
from sandbox.hubspot.other_links import other_kind

if TYPE_CHECKING:
    from sandbox.hubspot.account import HubSpotAccount

__all__ = ["decode_cursor", "encode_cursor", "live_targets", "v3_block", "v4_targets"]


def live_targets(account: HubSpotAccount, otype: ObjectType, object_id: int,
                 to_name: str) -> list[tuple[int, tuple[AssociationType, ...]]]:  # fmt: skip
    """Associated LIVE records of type `to_name` (associations to archived records are hidden)."""
    target = account.stores[to_name]
    if {otype.name, to_name} != {"deals", "companies"}:
        kind = other_kind(otype.name, to_name)
        if kind is None:
            return []
        others = account.other_links.targets(otype.name, object_id, to_name)
        return [(i, _kinds(account, otype.name, object_id, to_name, i, kind)) for i in others
                if (row := target.row_of(i)) is not None and target.is_live(row)]  # fmt: skip
    out = []
    for other_id, kinds in account.links.targets(otype.name, object_id):
        row = target.row_of(other_id)
        if row is not None and target.is_live(row):
            out.append((other_id, kinds))
    return out


def _kinds(account: HubSpotAccount, from_name: str, from_id: int, to_name: str, to_id: int,
           unlabeled: AssociationType) -> tuple[AssociationType, ...]:  # fmt: skip
    """The association's types: "Primary" (a contact's primary company), the unlabeled type, then labels."""
    primary = PRIMARY_COMPANY.get((from_name, to_name))
    first: tuple[AssociationType, ...] = ()
    if primary is not None:
        contact, company = (from_id, to_id) if from_name == "contacts" else (to_id, from_id)
        contacts = account.stores["contacts"]
        row = contacts.row_of(contact)
        if row is not None and str(contacts.raw(row, "associatedcompanyid") or "") == str(company):
            first = (primary,)
    return (*first, unlabeled, *account.other_links.labels.of(from_name, from_id, to_name, to_id))


def v3_block(account: HubSpotAccount, otype: ObjectType, object_id: int, asked: list[str]) -> dict[str, Any]:
    """`{"companies": {"results": [{"id", "type": "deal_to_company"}, ...]}}`; unknown names are ignored."""
    block: dict[str, Any] = {}
    for name in asked:
        try:
            to_type = object_type(name)
        except ApiError:  # object_type's 400 for a name this portal does not serve
            continue
        results = [
            {"id": str(other_id), "type": kind.v3_name}
            for other_id, kinds in live_targets(account, otype, object_id, to_type.name)
            for kind in kinds
        ]
        if results:
            block[to_type.name] = {"results": results}
    return block


def v4_targets(pairs: list[tuple[int, tuple[AssociationType, ...]]]) -> list[dict[str, Any]]:
    return [{"toObjectId": other_id, "associationTypes": [k.as_json() for k in kinds]} for other_id, kinds in pairs]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"v4:{offset}".encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> int:
    """The offset an `after` cursor stands for; a cursor we never issued is a 400."""
    if not text:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        prefix, _, offset = decoded.partition(":")
        if prefix == "v4" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise ValidationError(f"Invalid paging cursor: {text}", context={"after": [text]})
