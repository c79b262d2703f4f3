"""Deal -> company associations through the v4 batch read, following each result's own paging."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.hubspot.transport import Transport

__all__ = ["BATCH_SIZE", "PRIMARY_TYPE_ID", "DealCompanies", "read_deal_companies"]

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 100
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


def _absorb(found: dict[str, DealCompanies], item: Mapping[str, Any]) -> str | None:
    """Add one result's companies; return its next `after` when the result has more pages."""
    deal = found.setdefault(str(item["from"]["id"]), DealCompanies())
    for target in item.get("to") or []:
        company = str(target["toObjectId"])
        if company not in deal.companies:
            deal.companies.append(company)
        if _is_primary(target.get("associationTypes") or []):
            deal.primary = company
    after = ((item.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


def read_deal_companies(transport: Transport, api: Any, deal_ids: Sequence[str]) -> dict[str, DealCompanies]:
    """Companies of each deal, 100 inputs a call; a result with `paging.next.after` is asked again with
    `{"id", "after"}` in a later call. Deals with no association (a 207 error entry) get an empty list."""
    found = {deal_id: DealCompanies() for deal_id in deal_ids}
    pending: list[dict[str, str]] = [{"id": deal_id} for deal_id in deal_ids]
    asked: set[tuple[str, str | None]] = set()
    while pending:
        batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
        asked.update((entry["id"], entry.get("after")) for entry in batch)
        body = {"inputs": batch}
        reply = transport.call("read deal associations", api.get_page, "deals", "companies", body)
        data = reply.body or {}
        for item in data.get("results") or []:
            after = _absorb(found, item)
            deal_id = str(item["from"]["id"])
            if after is not None and (deal_id, after) not in asked:
                pending.append({"id": deal_id, "after": after})
        for error in data.get("errors") or []:
            log.debug("association read error for %s: %s", (error.get("context") or {}).get("fromObjectId"), error)
    return found
