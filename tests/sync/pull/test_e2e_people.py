"""People pulled end to end (issue #22): contacts, their accounts and deal roles, account teams and users/owners,
from both CRMs of the sandbox into both stores; then a contact deleted, merged (HubSpot) and moved to another
account in the CRM, followed by the next incremental run. Checked against the sandbox's own records."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from sandbox.server import Sandbox
from sync import session
from sync.store.people_tables import AccountContact, Contact, CrmUser, DealContact, TeamMember
from tests.sync.conftest_e2e import HS, SF, hs_ids, sf_ids

SF_PEOPLE = ["Account", "Contact", "AccountContactRelation", "OpportunityContactRole", "AccountTeamMember", "User"]
HS_PEOPLE = ["companies", "contacts", "owners"]


def _rows(engine: Engine, model: Any, connection: str) -> list[Any]:
    with session(engine) as s:
        return list(s.exec(select(model).where(model.connection == connection)).all())


def _live(engine: Engine, model: Any, connection: str) -> dict[str, Any]:
    return {r.source_id: r for r in _rows(engine, model, connection) if r.deleted_at is None}


def _sf_live(sb: Sandbox, obj: str) -> dict[str, dict[str, Any]]:
    records = (sb.admin("get", SF, object=obj, id=i) for i in sf_ids(sb, obj))
    return {r["Id"]: r for r in records if r["_state"] == "live"}


def _hs_contacts(sb: Sandbox) -> dict[str, dict[str, Any]]:
    records = (sb.admin("get", HS, object="contacts", id=i) for i in hs_ids(sb, "contacts"))
    return {str(r["id"]): r["properties"] for r in records if r["state"] == "live"}


def _hs_companies_of(sb: Sandbox, contact: str) -> set[str]:
    from sandbox.hubspot.association_views import live_targets
    from sandbox.hubspot.object_types import object_type

    with sb.lock(HS):
        found = live_targets(sb.hs_account, object_type("contacts"), int(contact), "companies")  # type: ignore[arg-type]
    return {str(company) for company, _ in found}


def _check_salesforce(e2e: Any) -> None:
    sb, engine = e2e.sandbox, e2e.engine
    contacts = _sf_live(sb, "Contact")
    stored = _live(engine, Contact, SF)
    assert set(stored) == set(contacts)
    assert {i: (c.account_source_id, c.title) for i, c in stored.items()} == {
        i: (c["AccountId"], c["Title"]) for i, c in contacts.items()
    }
    relations = _sf_live(sb, "AccountContactRelation")
    stored_relations = _live(engine, AccountContact, SF).values()
    assert {(r.contact_source_id, r.account_source_id, r.direct, r.active) for r in stored_relations} == {
        (r["ContactId"], r["AccountId"], r["IsDirect"], r["IsActive"]) for r in relations.values()
    }
    roles = _sf_live(sb, "OpportunityContactRole")
    stored_roles = _live(engine, DealContact, SF).values()
    assert Counter(r.role for r in stored_roles) == Counter(r["Role"] for r in roles.values())
    team = _sf_live(sb, "AccountTeamMember")
    assert {(t.account_source_id, t.user_source_id, t.role) for t in _live(engine, TeamMember, SF).values()} == {
        (t["AccountId"], t["UserId"], t["TeamMemberRole"]) for t in team.values()
    }
    users = {u.source_id: u.name for u in _live(engine, CrmUser, SF).values()}
    assert users == {i: u["Name"] for i, u in _sf_live(sb, "User").items()}


def _check_hubspot(e2e: Any) -> None:
    sb, engine = e2e.sandbox, e2e.engine
    contacts = _hs_contacts(sb)
    stored = _live(engine, Contact, HS)
    assert set(stored) == set(contacts)
    assert {i: (c.account_source_id, c.title) for i, c in stored.items()} == {
        i: (p["associatedcompanyid"], p["jobtitle"]) for i, p in contacts.items()
    }
    links: dict[str, set[str]] = {}
    for row in _live(engine, AccountContact, HS).values():
        links.setdefault(row.contact_source_id, set()).add(row.account_source_id)
    assert links == {i: companies for i in contacts if (companies := _hs_companies_of(sb, i))}
    assert {r.role for r in _live(engine, DealContact, HS).values()} >= {"Champion", "Economic Buyer"}
    owners = _live(engine, CrmUser, HS)
    assert {o.team for o in owners.values()} == {"Enterprise Americas", "EMEA", "Japan & APAC"}
    assert sum(not o.active for o in owners.values()) == 1


def test_people_follow_deletes_merges_and_moves_in_the_next_incremental_run(make_e2e: Any) -> None:
    e2e = make_e2e(accounts=60, sf=SF_PEOPLE, hs=HS_PEOPLE)
    first = e2e.sync()
    assert first.status == "succeeded", first
    _check_salesforce(e2e)
    _check_hubspot(e2e)

    sb = e2e.sandbox
    sf_contacts = sorted(_sf_live(sb, "Contact").values(), key=lambda c: c["Id"])
    gone, moved = sf_contacts[0]["Id"], sf_contacts[1]
    target = next(c["AccountId"] for c in sf_contacts if c["AccountId"] != moved["AccountId"])
    sb.admin("delete", SF, object="Contact", ids=[gone])
    sb.admin("update", SF, object="Contact", id=moved["Id"], fields={"AccountId": target})

    hs_contacts = sorted(_hs_contacts(sb), key=int)
    archived, survivor, victim, hs_moved = hs_contacts[:4]
    sb.admin("delete", HS, object="contacts", ids=[archived])
    sb.admin("merge", HS, object="contacts", survivor=survivor, victim=victim)
    new_company = next(p["associatedcompanyid"] for i, p in _hs_contacts(sb).items()
                       if p["associatedcompanyid"] != _hs_contacts(sb)[hs_moved]["associatedcompanyid"])  # fmt: skip
    with sb.lock(HS):  # the rep makes another company the contact's primary one (associations v4 + the property)
        sb.hs_account.other_links.add("contacts", int(hs_moved), "companies", int(new_company))  # type: ignore[attr-defined]
    sb.admin("update", HS, object="contacts", id=hs_moved, fields={"associatedcompanyid": new_company})

    second = e2e.sync()
    assert second.status == "succeeded", second
    for run in (first, second):  # the reconciliation audit counts contacts on both sides, and they agree
        audits = {(a["connection"], a["stream"]): a for a in run.audits}
        assert audits[(SF, "Contact")]["agrees"], audits
        assert audits[(HS, "contacts")]["agrees"], audits
        assert audits[(HS, "contacts")]["crm"] == audits[(HS, "contacts")]["store"]
    _check_salesforce(e2e)
    _check_hubspot(e2e)
    sf_rows = {r.source_id: r for r in _rows(e2e.engine, Contact, SF)}
    assert sf_rows[gone].deleted_at is not None
    assert sf_rows[moved["Id"]].account_source_id == target
    hs_rows = {r.source_id: r for r in _rows(e2e.engine, Contact, HS)}
    assert hs_rows[archived].deleted_at is not None
    assert hs_rows[victim].deleted_at is not None
    assert hs_rows[victim].merged_into == survivor
    assert hs_rows[hs_moved].account_source_id == new_company
