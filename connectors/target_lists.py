"""The interface both CRMs' target lists implement, and the one for a connection.

HubSpot keeps a MANUAL company list (Lists API v3). Salesforce keeps a Campaign whose CampaignMember rows name
accounts: CampaignMember links leads and contacts, and accounts only where the org enables "Accounts as Campaign
Members" (CampaignMember.AccountId, API 50.0+), which a Salesforce target list therefore needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from config.models import Connection, HubSpotConnection
from connectors.hubspot.lists import HubSpotLists
from connectors.list_change import ListChange
from connectors.salesforce.campaigns import SalesforceCampaigns

__all__ = ["ListChange", "TargetListClient", "target_list_client"]


class TargetListClient(Protocol):
    """A CRM list of accounts; `calls` counts the requests made."""

    calls: int

    def find(self, list_name: str) -> str | None: ...
    def create(self, list_name: str) -> str: ...
    def members(self, list_id: str) -> set[str]: ...
    def add(self, list_id: str, record_ids: Iterable[str]) -> ListChange: ...
    def remove(self, list_id: str, record_ids: Iterable[str]) -> ListChange: ...
    def close(self) -> None: ...


def target_list_client(name: str, conn: Connection) -> TargetListClient:
    """The list client of connection `name`."""
    if isinstance(conn, HubSpotConnection):
        return HubSpotLists(name, conn)
    return SalesforceCampaigns(name, conn)
