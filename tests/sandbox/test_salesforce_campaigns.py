"""Campaigns of accounts through simple-salesforce: Campaign, CampaignMember with AccountId (the org has
"Accounts as Campaign Members" on), a duplicate member refused, members queried and deleted in collections."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.server import Sandbox


def _accounts(sf: Salesforce, n: int) -> list[str]:
    return [row["Id"] for row in sf.query(f"SELECT Id FROM Account ORDER BY Id LIMIT {n}")["records"]]


def _members(sf: Salesforce, campaign: str) -> dict[str, str]:
    rows = sf.query_all(f"SELECT Id, AccountId FROM CampaignMember WHERE CampaignId = '{campaign}'")["records"]
    return {row["AccountId"]: row["Id"] for row in rows}


def _create(sf: Salesforce, records: list[dict[str, Any]]) -> Any:
    body = {"allOrNone": False, "records": [{"attributes": {"type": "CampaignMember"}, **r} for r in records]}
    return sf.restful("composite/sobjects", method="POST", json=body)


def test_accounts_join_a_campaign_once_and_leave_it(sandbox: Sandbox, sf: Salesforce) -> None:
    campaign = sf.Campaign.create({"Name": "ABM tier A", "IsActive": True})["id"]
    assert campaign.startswith("701")
    first, second, third = _accounts(sf, 3)
    results = _create(sf, [{"CampaignId": campaign, "AccountId": a} for a in (first, second, first)])
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert results[2]["errors"][0]["message"] == "Already a campaign member."
    members = _members(sf, campaign)
    assert set(members) == {first, second}
    assert all(member.startswith("00v") for member in members.values())
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": members[first], "allOrNone": "false"})
    assert deleted[0]["success"] is True
    assert set(_members(sf, campaign)) == {second}
    again = _create(sf, [{"CampaignId": campaign, "AccountId": first}, {"CampaignId": campaign, "AccountId": third}])
    assert [r["success"] for r in again] == [True, True]
    found = sf.query("SELECT Id FROM Campaign WHERE Name = 'ABM tier A'")["records"]
    assert [row["Id"] for row in found] == [campaign]


def test_a_member_names_exactly_one_contact_or_account(sf: Salesforce) -> None:
    campaign = sf.Campaign.create({"Name": "Pilot"})["id"]
    [account] = _accounts(sf, 1)
    contact = sf.query("SELECT Id FROM Contact LIMIT 1")["records"]
    refused = _create(sf, [{"CampaignId": campaign}])
    assert refused[0]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    if contact:
        both = _create(sf, [{"CampaignId": campaign, "AccountId": account, "ContactId": contact[0]["Id"]}])
        assert both[0]["success"] is False
    with pytest.raises(SalesforceMalformedRequest):
        sf.CampaignMember.create({"CampaignId": campaign})
