"""Deal -> company associations through the v4 batch read, following each result's own paging."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.hubspot.transport import Transport

__all__ = [
    "BATCH_SIZE",
    "PRIMARY_TYPE_ID",
    "DealCompanies",
    "association_results",
    "read_company_targets",
    "read_deal_companies",
]

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 100
SINGULAR: Final = {"deals": "deal", "companies": "company", "contacts": "contact"}
PRIMARY_TYPE_ID: Final = 5  # HUBSPOT_DEFINED deal -> company "Primary"


@dataclass
class DealCompanies:
    """The companies one deal is associated with, in answer order, and the primary one if labelled."""

    companies: list[str] = field(default_factory=list)
    primary: str | None = None

    def as_record(self) -> dict[str, Any]:
        """`{"companies": [...primary first], "primary_company": id | None}` (first company when unlabelled)."""
        ordered = list(self.companies)
        primary = self.primary if self.primary is not None else (ordered[0] if ordered else None)
        if primary is not None:
            ordered.remove(primary)
            ordered.insert(0, primary)
        return {"companies": ordered, "primary_company": primary}


def _is_primary(types: Sequence[Mapping[str, Any]]) -> bool:
    for kind in types:
        if kind.get("typeId") == PRIMARY_TYPE_ID and kind.get("category", "HUBSPOT_DEFINED") == "HUBSPOT_DEFINED":
            return True
        if str(kind.get("label") or "").lower() == "primary":
            return True
    return False


def _absorb(found: dict[str, DealCompanies], item: Mapping[str, Any]) -> None:
    """Add one result's companies."""
    deal = found.setdefault(str(item["from"]["id"]), DealCompanies())
    for target in item.get("to") or []:
        company = str(target["toObjectId"])
        if company not in deal.companies:
            deal.companies.append(company)
        if _is_primary(target.get("associationTypes") or []):
            deal.primary = company


def read_deal_companies(transport: Transport, api: Any, deal_ids: Sequence[str]) -> dict[str, DealCompanies]:
    """Companies of each deal, 100 inputs a call; a result with `paging.next.after` is asked again with
    `{"id", "after"}` in a later call. Deals with no association (a 207 error entry) get an empty list."""
    found = {deal_id: DealCompanies() for deal_id in deal_ids}
    for item in _results(transport, api, "deals", "companies", deal_ids):
        _absorb(found, item)
    return found


def read_company_targets(
    transport: Transport, api: Any, company_ids: Sequence[str], to_type: str
) -> dict[str, list[str]]:
    """The records of `to_type` (deals, contacts) associated with each company, in the order HubSpot gives (v4
    batch read, paged per input like `read_deal_companies`)."""
    found: dict[str, list[str]] = {company_id: [] for company_id in company_ids}
    for item in _results(transport, api, "companies", to_type, company_ids):
        targets = found.setdefault(str(item["from"]["id"]), [])
        targets += [str(t["toObjectId"]) for t in item.get("to") or [] if str(t["toObjectId"]) not in targets]
    return found


def association_results(
    transport: Transport, api: Any, from_type: str, to_type: str, ids: Sequence[str]
) -> Iterator[Mapping[str, Any]]:
    """Every v4 batch-read result of `ids` (`from`, `to` with `associationTypes`), each input paged to its end."""
    return _results(transport, api, from_type, to_type, ids)


def _results(
    transport: Transport, api: Any, from_type: str, to_type: str, ids: Sequence[str]
) -> Iterator[Mapping[str, Any]]:
    """Every result of the v4 batch read, following each input's own `paging.next.after`."""
    pending: list[dict[str, str]] = [{"id": record_id} for record_id in ids]
    asked: set[tuple[str, str | None]] = set()
    while pending:
        batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
        asked.update((entry["id"], entry.get("after")) for entry in batch)
        body = {"inputs": batch}
        reply = transport.call(f"read {SINGULAR[from_type]} associations", api.get_page, from_type, to_type, body)
        data = reply.body or {}
        for item in data.get("results") or []:
            yield item
            after = ((item.get("paging") or {}).get("next") or {}).get("after")
            record_id = str(item["from"]["id"])
            if after and (record_id, str(after)) not in asked:
                pending.append({"id": record_id, "after": str(after)})
        for error in data.get("errors") or []:
            log.debug("association read error for %s: %s", (error.get("context") or {}).get("fromObjectId"), error)
