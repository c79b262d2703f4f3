"""The world's people through the real SDKs: contacts, relations, contact roles, account teams, labels, teams."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.people import EN_TITLES, JA_TITLES, SALES_TEAMS, people
from sandbox.server import Sandbox
from sandbox.world import OWNERS, companies

from .conftest import closing_hubspot_client, hubspot_halves


@pytest.fixture
def hs(sandbox: Sandbox) -> Any:
    yield from closing_hubspot_client(sandbox)


def _all(sf: Salesforce, soql: str) -> list[dict[str, Any]]:
    return list(sf.query_all_iter(soql))


def _world_people(sandbox: Sandbox, crm: str) -> dict[int, int]:
    """Company index -> how many people the world gives it, for the live companies of one CRM."""
    spec = sandbox.runtime.config.world
    return {c.index: len(people(spec, c)) for c in companies(spec)
            if (c.in_salesforce if crm == "salesforce" else c.in_hubspot) and c.merged_into is None
            and not c.deleted}  # fmt: skip


def test_salesforce_accounts_have_several_contacts_with_titles_in_english_and_japanese(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    contacts = _all(sf, "SELECT Id, AccountId, Title, Name, LastActivityDate FROM Contact")
    per_account = Counter(c["AccountId"] for c in contacts)
    expected = _world_people(sandbox, "salesforce")
    assert sorted(per_account.values()) == sorted(expected.values())
    assert max(per_account.values()) >= 4
    titles = {c["Title"] for c in contacts}
    assert titles & set(JA_TITLES)
    assert titles & set(EN_TITLES)
    assert titles <= set(JA_TITLES) | set(EN_TITLES)
    assert any(c["LastActivityDate"] is None for c in contacts)


def test_salesforce_relations_mark_shared_and_stale_contacts(sf: Salesforce) -> None:
    relations = _all(sf, "SELECT ContactId, AccountId, IsDirect, IsActive, EndDate FROM AccountContactRelation")
    direct = [r for r in relations if r["IsDirect"]]
    shared = [r for r in relations if not r["IsDirect"]]
    assert len({r["ContactId"] for r in direct}) == len(direct)  # one direct relation per contact
    assert shared
    assert {r["ContactId"] for r in shared} <= {r["ContactId"] for r in direct}
    stale = [r for r in direct if not r["IsActive"]]
    assert stale
    assert all(r["EndDate"] for r in stale)


def test_salesforce_contact_roles_and_account_teams_use_standard_values(sf: Salesforce) -> None:
    roles = _all(sf, "SELECT OpportunityId, ContactId, Role, IsPrimary FROM OpportunityContactRole")
    assert {r["Role"] for r in roles} >= {"Economic Buyer", "Technical Buyer", "Decision Maker", "Executive Sponsor"}
    primaries = Counter(r["OpportunityId"] for r in roles if r["IsPrimary"])
    assert set(primaries.values()) == {1}
    team = _all(sf, "SELECT AccountId, UserId, TeamMemberRole FROM AccountTeamMember")
    assert {t["TeamMemberRole"] for t in team} == {"Sales Rep", "Account Manager", "Pre-Sales Consultant"}
    owners = {a["Id"]: a["OwnerId"] for a in _all(sf, "SELECT Id, OwnerId FROM Account")}
    reps = [t for t in team if t["TeamMemberRole"] == "Sales Rep"]
    assert all(owners[t["AccountId"]] == t["UserId"] for t in reps)
    users = _all(sf, "SELECT Id, Name, IsActive, Department FROM User WHERE UserType = 'Standard'")
    assert {u["Name"] for u in users} >= {o.name for o in OWNERS}
    assert {u["Department"] for u in users if u["Name"] != "Integration User"} == {n for _, n in SALES_TEAMS}


def test_hubspot_deal_contacts_carry_user_defined_role_labels(
    sandbox: Sandbox, hs: Any, http: requests.Session
) -> None:
    deals = hs.crm.deals.basic_api.get_page(limit=100).results
    answer = hs.crm.associations.v4.batch_api.get_page("deals", "contacts", {"inputs": [{"id": d.id} for d in deals]})
    kinds = [(t.category, t.type_id, t.label) for r in answer.results for item in r.to for t in item.association_types]
    assert ("HUBSPOT_DEFINED", 3, None) in kinds
    labelled = {label for category, _, label in kinds if category == "USER_DEFINED"}
    assert {"Champion", "Economic Buyer", "Technical Buyer"} <= labelled
    bearer = {"Authorization": f"Bearer {sandbox.credentials.hs_token}"}
    defined = http.get(f"{sandbox.hs_url}/crm/v4/associations/deals/contacts/labels", headers=bearer).json()["results"]
    assert {d["label"] for d in defined if d["category"] == "USER_DEFINED"} >= labelled


def test_hubspot_contacts_name_their_primary_company_and_titles(sandbox: Sandbox, hs: Any) -> None:
    page = hs.crm.contacts.basic_api.get_page(limit=100, properties=["jobtitle", "associatedcompanyid"])
    assert {c.properties["jobtitle"] for c in page.results} <= set(JA_TITLES) | set(EN_TITLES)
    first = page.results[0]
    links = hs.crm.associations.v4.basic_api.get_page("contacts", first.id, "companies")
    primary = [r.to_object_id for r in links.results if any(t.type_id == 1 for t in r.association_types)]
    assert [str(p) for p in primary] == [first.properties["associatedcompanyid"]]


def test_hubspot_owners_belong_to_named_teams(hs: Any) -> None:
    owners = hs.crm.owners.owners_api.get_page(limit=100).results
    assert {t.name for o in owners for t in o.teams} == {n for _, n in SALES_TEAMS}


def test_a_hubspot_contact_merge_moves_its_company_and_deal_associations(make_sandbox: Any, stub_halves: Any) -> None:
    own = make_sandbox(halves=hubspot_halves(stub_halves))  # the merge changes the portal: not the shared one
    for hs in closing_hubspot_client(own):
        _merge_and_check(own, hs)


def _merge_and_check(own: Sandbox, hs: Any) -> None:
    contacts = hs.crm.contacts.basic_api.get_page(limit=100).results
    victim = next(c for c in contacts if hs.crm.associations.v4.basic_api.get_page("contacts", c.id, "deals").results)
    survivor = next(c for c in contacts if c.id != victim.id)
    before = hs.crm.associations.v4.basic_api.get_page("contacts", victim.id, "deals").results
    victim_deals = {r.to_object_id for r in before}
    own.admin("merge", "hubspot", object="contacts", survivor=survivor.id, victim=victim.id)  # merged in the UI
    after = hs.crm.associations.v4.basic_api.get_page("contacts", survivor.id, "deals").results
    assert victim_deals <= {r.to_object_id for r in after}
    merged = hs.crm.contacts.basic_api.get_by_id(survivor.id, properties=["hs_merged_object_ids"])
    assert victim.id in merged.properties["hs_merged_object_ids"].split(";")
