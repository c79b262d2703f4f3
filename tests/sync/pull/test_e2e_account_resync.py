"""End to end: a single-account resync (`accountsync sync JOB --account KEY`) reads that account's records in
both CRMs again by id, brings back what the incremental runs cannot see (edits stamped before the cursor, a
row lost from the store, a hard delete), marks as deleted what the CRM no longer holds, touches no other
account, and leaves every stream's position where it was."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import select

from sync import Opportunity, SourceAccount, StreamCursor, SyncRun, session
from sync.jobs import RunSummary, SyncOptions, default_factory, run_sync
from sync.pull.account_resync import AccountNotFound
from sync.store.people_tables import AccountContact, Contact, DealContact, TeamMember
from tests.sync.conftest_e2e import (
    E2E,
    HS,
    JOB,
    SF,
    differences,
    hs_truth,
    sf_ids,
    sf_truth,
    stamp_text,
    store_view,
)
from tests.sync.pull.test_e2e_people import HS_PEOPLE, SF_PEOPLE

LONG_AGO = stamp_text(datetime.now(UTC) - timedelta(days=400))  # far behind any incremental window


def resync(e2e: E2E, account: str, objects: tuple[str, ...] | None = None) -> RunSummary:
    options = SyncOptions(account=account, objects=objects, trigger="test")
    return run_sync(e2e.deployment(), JOB, engine=e2e.engine, options=options, factory=default_factory)


def accounts_in_both_crms(e2e: E2E) -> list[str]:
    """Account keys with a live record in each CRM and opportunities in each, best first (deterministic)."""
    with session(e2e.engine) as s:
        rows = s.exec(select(SourceAccount).where(SourceAccount.deleted_at == None)).all()  # noqa: E711
        opps = s.exec(select(Opportunity).where(Opportunity.deleted_at == None)).all()  # noqa: E711
    crms: dict[str, set[str]] = {}
    for row in rows:
        crms.setdefault(row.account_key or "", set()).add(row.crm)
    with_opps = Counter((o.account_key, o.crm) for o in opps)
    both = [k for k, seen in crms.items() if seen == {SF, HS} and with_opps[(k, SF)] and with_opps[(k, HS)]]
    return sorted(both, key=lambda k: (-with_opps[(k, SF)] - with_opps[(k, HS)], k))


def records_of(e2e: E2E, key: str) -> dict[str, list[str]]:
    """The account's stored record ids per table and CRM."""
    with session(e2e.engine) as s:
        accounts = s.exec(select(SourceAccount).where(SourceAccount.account_key == key)).all()
        opps = s.exec(select(Opportunity).where(Opportunity.account_key == key)).all()
    return {
        "sf_accounts": sorted(a.source_id for a in accounts if a.crm == SF),
        "hs_companies": sorted(a.source_id for a in accounts if a.crm == HS),
        "sf_opportunities": sorted(o.source_id for o in opps if o.crm == SF),
        "hs_deals": sorted(o.source_id for o in opps if o.crm == HS),
    }


def positions(e2e: E2E) -> dict[tuple[str, str], Any]:
    with session(e2e.engine) as s:
        rows = s.exec(select(StreamCursor)).all()
        return {(c.connection, c.stream): (c.cursor_value, c.window_end, c.last_id, c.mode, c.state) for c in rows}


def only(view: dict[str, dict[str, Any]], ids: list[str]) -> dict[str, dict[str, Any]]:
    return {i: v for i, v in view.items() if i in ids}


def test_a_single_account_resync_repairs_that_account_in_both_crms_and_nothing_else(make_e2e) -> None:
    e2e = make_e2e(accounts=60, seed=5)
    assert e2e.sync().status == "succeeded"
    key, other = accounts_in_both_crms(e2e)[:2]
    mine, theirs = records_of(e2e, key), records_of(e2e, other)
    sb = e2e.sandbox
    # Edits the incremental runs cannot see: stamped far before their cursor.
    sb.admin("update", SF, object="Account", id=mine["sf_accounts"][0], fields={"Name": "Renamed Ltd"}, stamp=LONG_AGO)
    sb.admin("update", SF, object="Opportunity", id=mine["sf_opportunities"][0], fields={"Amount": 123456},
             stamp=LONG_AGO)  # fmt: skip
    sb.admin("update", HS, object="companies", id=mine["hs_companies"][0], fields={"numberofemployees": "4321"},
             stamp=LONG_AGO)  # fmt: skip
    sb.admin("update", SF, object="Account", id=theirs["sf_accounts"][0], fields={"Name": "Not Mine Inc"},
             stamp=LONG_AGO)  # fmt: skip
    # A row lost from the store, and a record gone from the CRM without a trace (no recycle bin, no log).
    lost = mine["hs_deals"][0]
    with session(e2e.engine) as s, s.begin():
        s.exec(delete(Opportunity).where(Opportunity.connection == HS, Opportunity.source_id == lost))  # type: ignore[call-overload]
    gone = mine["sf_opportunities"][-1]
    sb.admin("hard_delete", SF, object="Opportunity", ids=[gone])
    before = positions(e2e)

    summary = resync(e2e, key)

    assert summary.status == "succeeded", summary.errors
    sf_accounts, sf_opps = store_view(e2e.engine, "Account", SF), store_view(e2e.engine, "Opportunity", SF)
    assert only(sf_accounts, mine["sf_accounts"]) == only(sf_truth(sb, "Account"), mine["sf_accounts"])
    truth_opps = sf_truth(sb, "Opportunity")
    assert gone not in truth_opps
    assert differences(only(truth_opps, mine["sf_opportunities"]), only(sf_opps, mine["sf_opportunities"])) == {}
    assert sf_opps[gone]["deleted"], "gone from the CRM: marked deleted, kept"
    assert sf_opps[mine["sf_opportunities"][0]]["amount"] == 123456
    assert sf_accounts[mine["sf_accounts"][0]]["name"] == "Renamed Ltd"
    companies, deals = store_view(e2e.engine, "companies", HS), store_view(e2e.engine, "deals", HS)
    assert companies[mine["hs_companies"][0]]["employees"] == 4321
    assert lost in deals, "the row lost from the store is back"
    assert not deals[lost]["deleted"]
    hs_deals = only(hs_truth(sb, "deals"), mine["hs_deals"])
    assert differences(hs_deals, only(deals, mine["hs_deals"])) == {}
    assert sf_accounts[theirs["sf_accounts"][0]]["name"] != "Not Mine Inc", "another account is not touched"
    assert positions(e2e) == before, "the streams' positions do not move"
    assert summary.streams["salesforce.Opportunity"]["deleted"] == 1
    with session(e2e.engine) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert run.kind == "account"
    assert run.params["account"] == key


def test_an_opportunity_moved_to_another_account_is_filed_there_by_a_resync_of_the_old_one(make_e2e) -> None:
    e2e = make_e2e(accounts=60, seed=5)
    assert e2e.sync().status == "succeeded"
    key, other = accounts_in_both_crms(e2e)[:2]
    mine, theirs = records_of(e2e, key), records_of(e2e, other)
    moved_opp, moved_deal = mine["sf_opportunities"][0], mine["hs_deals"][0]
    # Moves the incremental runs cannot see: an edit stamped far before their cursor, and a new primary
    # company for a deal (an association change does not move the deal's hs_lastmodifieddate).
    e2e.sandbox.admin("update", SF, object="Opportunity", id=moved_opp,
                      fields={"AccountId": theirs["sf_accounts"][0]}, stamp=LONG_AGO)  # fmt: skip
    e2e.sandbox.admin("associate", HS, deal=moved_deal, company=theirs["hs_companies"][0], primary=True)

    summary = resync(e2e, key)

    assert summary.status == "succeeded", summary.errors
    now_mine, now_theirs = records_of(e2e, key), records_of(e2e, other)
    assert moved_opp not in now_mine["sf_opportunities"]
    assert moved_opp in now_theirs["sf_opportunities"]
    assert moved_deal not in now_mine["hs_deals"]
    assert moved_deal in now_theirs["hs_deals"]
    assert not store_view(e2e.engine, "Opportunity", SF)[moved_opp]["deleted"], "moved, not deleted"
    assert not store_view(e2e.engine, "deals", HS)[moved_deal]["deleted"]
    assert summary.streams["salesforce.Opportunity"]["deleted"] == 0
    assert summary.streams["hubspot.deals"]["deleted"] == 0


def test_an_account_is_named_by_its_key_or_by_any_of_its_crm_ids(make_e2e) -> None:
    e2e = make_e2e(accounts=30, seed=8)
    e2e.sync()
    key = accounts_in_both_crms(e2e)[0]
    company = records_of(e2e, key)["hs_companies"][0]

    summary = resync(e2e, company)

    assert summary.status == "succeeded", summary.errors
    assert set(summary.streams) == {"salesforce.Account", "salesforce.Opportunity", "salesforce.OpportunityHistory",
                                    "salesforce.OpportunityLineItem", "hubspot.companies", "hubspot.deals"}  # fmt: skip
    assert summary.streams["hubspot.companies"]["read"] == 1
    with session(e2e.engine) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert run.params["account"] == key


def test_a_single_account_resync_narrowed_to_one_object_reads_only_that_object(make_e2e) -> None:
    e2e = make_e2e(accounts=30, seed=8)
    e2e.sync()
    key = accounts_in_both_crms(e2e)[0]

    summary = resync(e2e, key, objects=("Opportunity",))

    assert summary.status == "succeeded", summary.errors
    assert set(summary.streams) == {"salesforce.Opportunity"}
    assert summary.streams["salesforce.Opportunity"]["read"] == len(records_of(e2e, key)["sf_opportunities"])


def test_an_unknown_account_is_a_clear_error_and_starts_no_run(make_e2e) -> None:
    e2e = make_e2e(accounts=20, seed=3, hs=None)
    e2e.sync()
    with session(e2e.engine) as s:
        runs = len(s.exec(select(SyncRun)).all())

    with pytest.raises(AccountNotFound, match="no account `sf:nope` in the store"):
        resync(e2e, "sf:nope")

    with session(e2e.engine) as s:
        assert len(s.exec(select(SyncRun)).all()) == runs


def test_the_cli_resyncs_one_account_and_names_the_option_when_the_account_is_unknown(make_e2e) -> None:
    e2e = make_e2e(accounts=20, seed=3, hs=None)
    e2e.sync()
    with session(e2e.engine) as s:
        key = s.exec(select(SourceAccount.account_key).where(SourceAccount.deleted_at == None)).first()  # noqa: E711
    assert key

    ok = e2e.cli("sync", JOB, "--account", key, "--json", log="ok")
    bad = e2e.cli("sync", JOB, "--account", "sf:001nothere", log="bad")

    assert ok.wait(120) == 0, e2e.output("ok")
    summary = json.loads(e2e.output("ok")[0])
    assert summary["status"] == "succeeded"
    assert summary["streams"]["salesforce.Account"]["read"] == 1
    assert bad.wait(120) == 2
    assert "--account" in e2e.output("bad")[1]
    assert "no account `sf:001nothere`" in e2e.output("bad")[1]


def _sf_people_of(sb: Any, obj: str, field: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The org's live `obj` records whose `field` is one of `ids`, by id (the sandbox's own records)."""
    records = (sb.admin("get", SF, object=obj, id=i) for i in sf_ids(sb, obj))
    return {r["Id"]: r for r in records if r["_state"] == "live" and r.get(field) in ids}


def _hs_contacts_of(sb: Any, company: str) -> dict[str, dict[str, Any]]:
    """The live contacts associated with the company (any association label), by id, with their properties."""
    from sandbox.hubspot.association_views import live_targets
    from sandbox.hubspot.object_types import object_type

    with sb.lock(HS):
        linked = live_targets(sb.hs_account, object_type("companies"), int(company), "contacts")
    records = (sb.admin("get", HS, object="contacts", id=str(c)) for c, _ in linked)
    return {r["id"]: r["properties"] for r in records if r["state"] == "live"}


def _stored_people(e2e: E2E, connection: str, model: Any, column: str, ids: list[str]) -> dict[str, Any]:
    with session(e2e.engine) as s:
        rows = s.exec(select(model).where(model.connection == connection, getattr(model, column).in_(ids))).all()
    return {r.source_id: r for r in rows if r.deleted_at is None}


def _hs_linked(e2e: E2E, company: str) -> dict[str, str | None]:
    """The stored live contacts linked to the company (the relation rows), with their titles."""
    with session(e2e.engine) as s:
        links = s.exec(select(AccountContact).where(AccountContact.connection == HS,
                                                    AccountContact.account_source_id == company,
                                                    AccountContact.deleted_at == None)).all()  # noqa: E711  # fmt: skip
        contacts = {c.source_id: c for c in s.exec(select(Contact).where(Contact.connection == HS)).all()}
    return {link.contact_source_id: contacts[link.contact_source_id].title for link in links
            if contacts[link.contact_source_id].deleted_at is None}  # fmt: skip


def test_a_single_account_resync_brings_its_people_back_as_both_crms_hold_them(make_e2e) -> None:
    """An admin resyncs an account after changes its incremental runs cannot see (edits stamped before their
    cursor, a hard delete, an association that moves no stamp): its contacts, contact relations, deal roles
    and team come back as each CRM holds them, and another account's people are not touched."""
    e2e = make_e2e(accounts=60, seed=5, sf=[*SF_PEOPLE, "Opportunity"], hs=[*HS_PEOPLE, "deals"])
    assert e2e.sync().status == "succeeded"
    sb = e2e.sandbox

    def people(key: str) -> tuple[list[str], list[str], dict[str, Any], dict[str, Any]]:
        mine = records_of(e2e, key)
        sf = _sf_people_of(sb, "Contact", "AccountId", mine["sf_accounts"])
        hs = _hs_contacts_of(sb, mine["hs_companies"][0]) if mine["hs_companies"] else {}
        return mine["sf_accounts"], mine["hs_companies"], sf, hs

    candidates = [k for k in accounts_in_both_crms(e2e) if len(people(k)[2]) >= 2 and len(people(k)[3]) >= 2]
    key, other = candidates[:2]
    sf_accounts, hs_companies, sf_contacts, hs_contacts = people(key)
    _, other_companies, other_sf, other_hs = people(other)
    company = hs_companies[0]
    edited, deleted = sorted(sf_contacts)[:2]
    arrived = sorted(other_sf)[0]
    sb.admin("update", SF, object="Contact", id=edited, fields={"Title": "Chief Revenue Officer"}, stamp=LONG_AGO)
    sb.admin("hard_delete", SF, object="Contact", ids=[deleted])
    sb.admin("update", SF, object="Contact", id=arrived, fields={"AccountId": sf_accounts[0]}, stamp=LONG_AGO)
    untouched = sorted(other_sf)[1]
    sb.admin("update", SF, object="Contact", id=untouched, fields={"Title": "Not Mine"}, stamp=LONG_AGO)
    hs_edited, hs_archived = sorted(hs_contacts, key=int)[:2]
    sb.admin("update", HS, object="contacts", id=hs_edited, fields={"jobtitle": "Head of IT"}, stamp=LONG_AGO)
    sb.admin("delete", HS, object="contacts", ids=[hs_archived])
    hs_joined = sorted(set(other_hs) - set(hs_contacts), key=int)[0]
    with sb.lock(HS):  # linked to this company too, its primary one unchanged: no stamp moves
        sb.hs_account.other_links.add("contacts", int(hs_joined), "companies", int(company))
    before = positions(e2e)

    summary = resync(e2e, key)

    assert summary.status == "succeeded", summary.errors
    for stream in ("salesforce.Contact", "salesforce.AccountContactRelation", "salesforce.OpportunityContactRole",
                   "salesforce.AccountTeamMember", "hubspot.contacts"):  # fmt: skip
        assert stream in summary.streams, summary.streams
    # Salesforce: every live contact, relation, team member and deal role of the account, as the org holds them.
    truth = _sf_people_of(sb, "Contact", "AccountId", sf_accounts)
    stored = _stored_people(e2e, SF, Contact, "account_source_id", sf_accounts)
    assert {i: c.title for i, c in stored.items()} == {i: c["Title"] for i, c in truth.items()}
    assert stored[edited].title == "Chief Revenue Officer"
    assert arrived in stored
    assert deleted not in stored
    assert deleted not in truth
    relations = _sf_people_of(sb, "AccountContactRelation", "AccountId", sf_accounts)
    stored_relations = _stored_people(e2e, SF, AccountContact, "account_source_id", sf_accounts)
    assert set(stored_relations) == set(relations)
    team = _sf_people_of(sb, "AccountTeamMember", "AccountId", sf_accounts)
    assert set(_stored_people(e2e, SF, TeamMember, "account_source_id", sf_accounts)) == set(team)
    opportunities = list(_sf_people_of(sb, "Opportunity", "AccountId", sf_accounts))
    roles = _sf_people_of(sb, "OpportunityContactRole", "OpportunityId", opportunities)
    assert set(_stored_people(e2e, SF, DealContact, "opportunity_source_id", opportunities)) == set(roles)
    with session(e2e.engine) as s:
        gone = s.exec(select(Contact).where(Contact.connection == SF, Contact.source_id == deleted)).one()
        elsewhere = s.exec(select(Contact).where(Contact.connection == SF, Contact.source_id == untouched)).one()
    assert gone.deleted_at is not None, "hard-deleted in the org: marked deleted, kept"
    assert elsewhere.title != "Not Mine", "another account's people are not touched"
    # HubSpot: the contacts linked to the company (the relation rows), with their titles, as the account holds them.
    hs_truth_now = _hs_contacts_of(sb, company)
    assert _hs_linked(e2e, company) == {i: p["jobtitle"] or None for i, p in hs_truth_now.items()}
    assert hs_joined in hs_truth_now
    assert hs_archived not in hs_truth_now
    assert _hs_linked(e2e, company)[hs_edited] == "Head of IT"
    assert positions(e2e) == before, "the streams' positions do not move"
    assert other_companies, "the other account is in both CRMs"
