"""A Salesforce campaign of accounts through simple-salesforce: CampaignMember rows with AccountId.

CampaignMember links leads and contacts, and accounts only where the org enables "Accounts as Campaign
Members" (CampaignMember.AccountId, API 50.0+): a target list of accounts needs that setting. Members are
created and deleted in sObject collections of 200; a record already a member (DUPLICATE_VALUE) counts as
added, any other refusal (a deleted or unknown account) comes back as missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from config.models import SalesforceConnection
from connectors.list_change import ListChange
from connectors.salesforce.session import OrgSession

__all__ = ["SalesforceCampaigns"]

_COLLECTION: Final = 200  # records per sObject collection request (the API's limit)


class SalesforceCampaigns:
    """Campaigns of one Salesforce connection used as account lists; `calls` counts the requests made."""

    def __init__(self, name: str, conn: SalesforceConnection) -> None:
        self.name = name
        self.calls = 0
        self._org = OrgSession(name, conn)

    def close(self) -> None:
        """Close the HTTP session."""
        self._org.http.close()

    def _call(self, what: str, fn: Any) -> Any:
        self.calls += 1
        return self._org.call(what, fn)

    def find(self, list_name: str) -> str | None:
        """The id of the oldest campaign with this name, or None."""
        soql = format_soql("SELECT Id FROM Campaign WHERE Name = {} ORDER BY CreatedDate LIMIT 1", list_name)
        rows = self._call("find campaign", lambda sf: sf.query(soql)["records"])
        return str(rows[0]["Id"]) if rows else None

    def create(self, list_name: str) -> str:
        """Create an active campaign; its id."""
        return str(
            self._call("create campaign", lambda sf: sf.Campaign.create({"Name": list_name, "IsActive": True})["id"])
        )

    def members(self, list_id: str) -> set[str]:
        """The accounts that are members of the campaign."""
        soql = format_soql("SELECT AccountId FROM CampaignMember WHERE CampaignId = {} AND AccountId != null", list_id)
        rows = self._call("campaign members", lambda sf: sf.query_all(soql)["records"])
        return {str(row["AccountId"]) for row in rows}

    def add(self, list_id: str, record_ids: Iterable[str]) -> ListChange:
        """Make the accounts members, 200 per request."""
        done: list[str] = []
        missing: list[str] = []
        ids = sorted(record_ids)
        for start in range(0, len(ids), _COLLECTION):
            chunk = ids[start : start + _COLLECTION]
            body = {"allOrNone": False, "records": [
                {"attributes": {"type": "CampaignMember"}, "CampaignId": list_id, "AccountId": account}
                for account in chunk]}  # fmt: skip
            results = self._call("add campaign members", _post(body))
            for account, result in zip(chunk, results, strict=True):
                codes = {error.get("statusCode") for error in result.get("errors") or []}
                (done if result.get("success") or codes == {"DUPLICATE_VALUE"} else missing).append(account)
        return ListChange(tuple(done), tuple(missing))

    def remove(self, list_id: str, record_ids: Iterable[str]) -> ListChange:
        """Delete the accounts' memberships, 200 per request; an account that is no member is missing."""
        ids = sorted(record_ids)
        members: dict[str, str] = {}
        for start in range(0, len(ids), _COLLECTION):
            soql = format_soql("SELECT Id, AccountId FROM CampaignMember WHERE CampaignId = {} AND AccountId IN {}",
                               list_id, ids[start : start + _COLLECTION])  # fmt: skip
            rows = self._call("find campaign members", lambda sf, q=soql: sf.query_all(q)["records"])
            members |= {str(row["AccountId"]): str(row["Id"]) for row in rows}
        gone = sorted(members)
        for start in range(0, len(gone), _COLLECTION):
            chunk = ",".join(members[account] for account in gone[start : start + _COLLECTION])
            self._call("remove campaign members", _delete(chunk))
        return ListChange(tuple(gone), tuple(account for account in ids if account not in members))


def _post(body: dict[str, Any]) -> Any:
    return lambda sf: sf.restful("composite/sobjects", method="POST", json=body)


def _delete(ids: str) -> Any:
    def send(sf: Salesforce) -> Any:
        return sf.restful("composite/sobjects", method="DELETE", params={"ids": ids, "allOrNone": "false"})

    return send
