"""Coverage written back (issue #22): a whole job run over the sandbox pulls people, scores with the coverage
component and writes coverage, missing roles, single-threaded and the reasons to both CRMs; read back through
the SDKs for one account per CRM whose buying committee the test arranged by hand in the CRM."""

from __future__ import annotations

import json
from typing import Any

import requests

from sandbox.hubspot.association_views import live_targets
from sandbox.hubspot.object_types import object_type
from sandbox.hubspot.seeding import company_id
from sandbox.people import SALES_TEAMS
from sandbox.salesforce.ids import make_id
from sandbox.world import OWNERS, companies
from sync.jobs import run_pipeline
from sync.scores.ranking import latest_kpis
from tests.sandbox.conftest import close_session, closing_hubspot_client, sf_login
from tests.sync.conftest_e2e import HS, JOB, NOW, SF, hs_ids, sf_ids

SF_FIELDS = {"coverage": "AccountSync_Coverage__c", "missing_roles": "AccountSync_Missing_Roles__c",
             "single_threaded": "AccountSync_Single_Threaded__c", "reasons": "AccountSync_Reasons__c",
             "score": "AccountSync_Score__c"}  # fmt: skip
HS_FIELDS = {"coverage": "accountsync_coverage", "missing_roles": "accountsync_missing_roles",
             "single_threaded": "accountsync_single_threaded", "reasons": "accountsync_reasons",
             "score": "accountsync_score"}  # fmt: skip
# The default required roles per segment (docs/account-mapping.md), as words, by hand.
REQUIRED = {
    "enterprise": ["executive sponsor", "economic buyer", "IT", "line/user", "procurement"],
    "mid_market": ["executive sponsor", "economic buyer", "IT", "line/user"],
    "smb": ["executive sponsor", "line/user"],
}


def _expected(employees: int | None, held: str) -> tuple[float, str]:
    """(coverage %, missing roles) of an account of this size whose one engaged contact holds `held`."""
    segment = "mid_market" if employees is None else "enterprise" if employees >= 1000 else (
        "mid_market" if employees >= 200 else "smb")  # fmt: skip
    required = REQUIRED[segment]
    return round(100 / len(required), 1), "; ".join(r for r in required if r != held)


def _only_in(sb: Any, crm: str) -> set[int]:
    return {
        c.index for c in companies(sb.runtime.config.world) if c.crms == crm and not c.deleted and c.merged_into is None
    }


def _arrange_salesforce(sb: Any) -> tuple[str, int | None]:
    """A Salesforce-only account with an open opportunity, left with one contact: a 代表取締役 on that deal."""
    candidates = {make_id("001", i) for i in _only_in(sb, "salesforce")}
    opportunities = [sb.admin("get", SF, object="Opportunity", id=i) for i in sf_ids(sb, "Opportunity")]
    open_deal = {o["AccountId"]: o["Id"] for o in opportunities if o["_state"] == "live" and not o["IsClosed"]}
    account = sb.admin("get", SF, object="Account", id=sorted(candidates & set(open_deal))[0])
    contacts = [sb.admin("get", SF, object="Contact", id=i) for i in sf_ids(sb, "Contact")]
    relations = [
        sb.admin("get", SF, object="AccountContactRelation", id=i) for i in sf_ids(sb, "AccountContactRelation")
    ]
    gone = {c["Id"] for c in contacts if c["AccountId"] == account["Id"] and c["_state"] == "live"}
    gone |= {r["ContactId"] for r in relations if r["AccountId"] == account["Id"] and r["_state"] == "live"}
    sb.admin("delete", SF, object="Contact", ids=sorted(gone))
    fields = {"AccountId": account["Id"], "FirstName": "Aoi", "LastName": "Sato", "Title": "代表取締役"}
    made = sb.admin("create", SF, object="Contact", fields=fields)
    role = {"OpportunityId": open_deal[account["Id"]], "ContactId": made["id"], "Role": "Decision Maker"}
    sb.admin("create", SF, object="OpportunityContactRole", fields=role)
    return account["Id"], account["NumberOfEmployees"]


def _arrange_hubspot(sb: Any) -> tuple[str, int | None]:
    """A HubSpot-only company with an open deal, left with one contact: an IT director on that deal."""
    candidates = {company_id(i) for i in _only_in(sb, "hubspot")}
    deals = [sb.admin("get", HS, object="deals", id=i) for i in hs_ids(sb, "deals")]
    open_deals = [int(d["id"]) for d in deals if d["state"] == "live" and d["properties"]["hs_is_closed"] == "false"]
    with sb.lock(HS):
        owner = {
            d: [c for c, _ in live_targets(sb.hs_account, object_type("deals"), d, "companies")] for d in open_deals
        }
    company, deal = next((c[0], d) for d, c in sorted(owner.items()) if c and c[0] in candidates)
    with sb.lock(HS):
        people = [c for c, _ in live_targets(sb.hs_account, object_type("companies"), company, "contacts")]
    sb.admin("delete", HS, object="contacts", ids=people)
    links = [
        {"to": {"id": str(to)}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": kind}]}
        for to, kind in ((company, 279), (deal, 4))
    ]  # contact -> company, contact -> deal
    fields = {"firstname": "Ren", "lastname": "Ito", "email": "ren.ito@example.org", "jobtitle": "Director of IT"}
    sb.admin("create", HS, object="contacts", fields=fields, associations=links)
    employees = sb.admin("get", HS, object="companies", id=company)["properties"]["numberofemployees"]
    return str(company), int(employees) if employees else None


def _writeback() -> list[dict[str, Any]]:
    return [{"connection": SF, "object": "Account", "fields": SF_FIELDS},
            {"connection": HS, "object": "companies", "fields": HS_FIELDS}]  # fmt: skip


def test_coverage_missing_roles_and_single_threading_reach_both_crms(make_e2e: Any) -> None:
    e2e = make_e2e(accounts=60, sf=["Account", "Opportunity", "OpportunityStage", "Contact", "AccountContactRelation",
                                    "OpportunityContactRole", "AccountTeamMember", "User"],
                   hs=["companies", "deals", "pipelines", "contacts", "owners"], writeback=_writeback())  # fmt: skip
    sb = e2e.sandbox
    sf_account, sf_employees = _arrange_salesforce(sb)
    hs_company, hs_employees = _arrange_hubspot(sb)
    summary = run_pipeline(e2e.deployment(), JOB, engine=e2e.engine, as_of=NOW.date())
    assert summary.status == "succeeded", summary.steps

    http = requests.Session()
    http.verify, http.trust_env = str(sb.ca_path), False
    try:
        soql = f"SELECT {', '.join(SF_FIELDS.values())} FROM Account WHERE Id = '{sf_account}'"
        sf = sf_login(sb, http).query(soql)["records"][0]  # read back through simple-salesforce
    finally:
        close_session(http)
    coverage, missing = _expected(sf_employees, "executive sponsor")
    assert float(sf[SF_FIELDS["coverage"]]) == coverage
    assert sf[SF_FIELDS["missing_roles"]] == missing
    assert sf[SF_FIELDS["single_threaded"]] == "true"
    assert "single-threaded" in sf[SF_FIELDS["reasons"]]

    for client in closing_hubspot_client(sb):  # read back through hubspot-api-client
        hs = client.crm.companies.basic_api.get_by_id(hs_company, properties=list(HS_FIELDS.values())).properties
    coverage, missing = _expected(hs_employees, "IT")
    assert float(hs[HS_FIELDS["coverage"]]) == coverage
    assert hs[HS_FIELDS["missing_roles"]] == missing
    assert hs[HS_FIELDS["single_threaded"]] == "true"
    assert "single-threaded" in hs[HS_FIELDS["reasons"]]

    _kpis_by_owner_and_team_print_names(e2e)
    stored = latest_kpis(e2e.engine).segments  # what the dashboard's KPI page shows "by owner" and "by team"
    assert {row["owner"] for row in stored["owner"]} <= {o.name for o in OWNERS}
    assert {row["team"] for row in stored["team"]} <= {name for _, name in SALES_TEAMS}


def _kpis_by_owner_and_team_print_names(e2e: Any) -> None:
    """`accountsync kpis --by owner|team` as a user runs it: owner names (never ids) and team roll-ups."""
    totals = {}
    for by, names in (("owner", {o.name for o in OWNERS}), ("team", {name for _, name in SALES_TEAMS})):
        proc = e2e.cli("kpis", "--by", by, "--as-of", NOW.date().isoformat(), "--format", "json", log=f"kpis-{by}")
        assert proc.wait(timeout=300) == 0, e2e.output(f"kpis-{by}")
        rows = json.loads(e2e.output(f"kpis-{by}")[0])
        assert rows
        assert {row[by] for row in rows} <= names
        assert all({"arpa_growth", "grr", "nrr", "cross_sell_rate", "mean_coverage"} <= set(row) for row in rows)
        totals[by] = sum(row["accounts"] for row in rows)
    assert totals["owner"] == totals["team"]
    proc = e2e.cli("kpis", "--by", "industry", "--as-of", NOW.date().isoformat(), "--format", "json", log="kpis-ind")
    assert proc.wait(timeout=300) == 0, e2e.output("kpis-ind")
    assert sum(row["accounts"] for row in json.loads(e2e.output("kpis-ind")[0])) == totals["owner"]
    proc = e2e.cli("kpis", "--by", "owner", "--as-of", NOW.date().isoformat(), log="kpis-table")
    assert proc.wait(timeout=300) == 0, e2e.output("kpis-table")
    table = e2e.output("kpis-table")[0]  # a wide table folds its cells: a name may wrap at its space
    assert any(o.first_name in table and o.last_name in table for o in OWNERS)
