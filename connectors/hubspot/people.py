"""HubSpot people streams: contacts (with their companies and labelled deals, associations v4) and owners
(`/crm/v3/owners`, names and teams), mapped to the canonical records of `connectors.people` at the edge."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from connectors.base import Page, Position, Record
from connectors.hubspot.associations import association_results
from connectors.hubspot.convert import ConversionError, parse_instant
from connectors.hubspot.transport import Transport, side_by_side
from connectors.people import PeopleKind

__all__ = [
    "CONTACT_CURSOR",
    "CONTACT_PROPERTIES",
    "PEOPLE_STREAMS",
    "canonical_contact_pages",
    "enrich_contacts",
    "owner_pages",
]

PEOPLE_STREAMS: Final[Mapping[str, PeopleKind]] = {"contacts": "person", "owners": "crm_user"}
CONTACT_CURSOR: Final = "lastmodifieddate"  # contacts have no hs_lastmodifieddate (crm-contacts-v3 properties)
CONTACT_PROPERTIES: Final = (
    "firstname", "lastname", "email", "jobtitle", "hubspot_owner_id", "associatedcompanyid", "notes_last_updated",
    "createdate", "hs_merged_object_ids", "hs_object_id", CONTACT_CURSOR,
)  # fmt: skip
PRIMARY_COMPANY_TYPE: Final = 1  # HUBSPOT_DEFINED contact -> company "Primary"
OWNERS_PAGE: Final = 500


def enrich_contacts(transport: Transport, api: Any, records: list[Record]) -> None:
    """`_companies` (primary first) and `_deals` (`[deal id, label]`, one per USER_DEFINED label or one
    unlabelled) on each live contact: two v4 batch reads per 100 contacts, sent side by side (the transport
    counts and throttles calls from several threads), so a page costs one round trip of latency for both."""
    live = [r["id"] for r in records if not r["archived"]]
    if not live:
        return
    to_companies, deal_items = side_by_side(
        lambda: list(association_results(transport, api, "contacts", "companies", live)),
        lambda: list(association_results(transport, api, "contacts", "deals", live)),
        "hubspot-associations",
    )
    companies: dict[str, list[str]] = {i: [] for i in live}
    primary: dict[str, str] = {}
    for item in to_companies:
        found = companies.setdefault(str(item["from"]["id"]), [])
        for target in item.get("to") or []:
            company = str(target["toObjectId"])
            if company not in found:
                found.append(company)
            if any(t.get("typeId") == PRIMARY_COMPANY_TYPE for t in target.get("associationTypes") or []):
                primary[str(item["from"]["id"])] = company
    deals: dict[str, list[list[str | None]]] = {i: [] for i in live}
    for item in deal_items:
        found_deals = deals.setdefault(str(item["from"]["id"]), [])
        for target in item.get("to") or []:
            labels: list[str | None] = [str(t["label"]) for t in target.get("associationTypes") or []
                                        if t.get("category") == "USER_DEFINED" and t.get("label")]  # fmt: skip
            found_deals += [[str(target["toObjectId"]), label] for label in labels or [None]]
    for record in records:
        if record["archived"]:
            continue
        ids = companies.get(record["id"], [])
        first = primary.get(record["id"])
        record["_companies"] = [first, *(c for c in ids if c != first)] if first is not None else ids
        record["_primary_company"] = first
        record["_deals"] = deals.get(record["id"], [])


def _text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    return None if value in (None, "") else str(value)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime) or value in (None, ""):
        return value if isinstance(value, datetime) else None
    try:
        return parse_instant(str(value))
    except ConversionError:
        return None


def canonical_contact(record: Mapping[str, Any]) -> Record:
    """A converted contact (with `enrich_contacts`' lists) as a canonical `person`."""
    archived = bool(record.get("archived"))
    first, last = _text(record, "firstname"), _text(record, "lastname")
    merged = [m.strip() for m in str(record.get("hs_merged_object_ids") or "").split(";") if m.strip()]
    account = record.get("_primary_company") or _text(record, "associatedcompanyid")
    return {
        "source_id": str(record["id"]), "modified_at": _instant(record.get(CONTACT_CURSOR))
        or _instant(record.get("hs_lastmodifieddate")), "deleted": archived,
        "account_source_id": account, "first_name": first, "last_name": last,
        "name": " ".join(p for p in (first, last) if p) or None, "title": _text(record, "jobtitle"),
        "email": _text(record, "email"), "owner_source_id": _text(record, "hubspot_owner_id"),
        "last_activity_at": _instant(record.get("notes_last_updated")),
        "created_at": _instant(record.get("createdate")), "merged_into": None,
        "merged_from": [m for m in merged if m != str(record["id"])],
        "companies": [] if archived else list(record.get("_companies") or []),  # an archived contact has none
        "deals": [] if archived else [list(d) for d in record.get("_deals") or []],
    }  # fmt: skip


def canonical_contact_pages(pages: Iterator[Page]) -> Iterator[Page]:
    for page in pages:
        yield replace(page, records=[canonical_contact(r) for r in page.records])


def _owner(raw: Mapping[str, Any], archived: bool) -> Record:
    teams = raw.get("teams") or []
    team = next((t for t in teams if t.get("primary")), teams[0] if teams else None)
    first, last = _text(raw, "firstName"), _text(raw, "lastName")
    return {
        "source_id": str(raw["id"]), "modified_at": _instant(raw.get("updatedAt")), "deleted": False,
        "name": " ".join(p for p in (first, last) if p) or _text(raw, "email"), "email": _text(raw, "email"),
        "title": None, "team": _text(team, "name") if team else None, "active": not archived,
    }  # fmt: skip


def owner_pages(transport: Transport, api: Any, stream: str) -> Iterator[Page]:
    """Every owner, active then deactivated (`archived=true`), as canonical `crm_user` records; one page each."""
    for archived in (False, True):
        records: list[Record] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": OWNERS_PAGE, "archived": archived}
            if after is not None:
                kwargs["after"] = after
            data = transport.call("list owners", api.get_page, **kwargs).body or {}
            records += [_owner(raw, archived) for raw in data.get("results") or [] if raw.get("id")]
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        yield Page(stream, records, Position("list", blob={"archived": archived}))
