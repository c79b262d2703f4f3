"""A client written against the public APIs, not ours: plain `requests`, headers looked up case-sensitively.

Salesforce: Accounts and Opportunities through Bulk API 2.0 query results, paged with `Sforce-Locator`.
HubSpot: companies and deals through the v3 list endpoint with `associations=line_items,contacts`.
Each must read every live record the sandbox's own stores hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import requests

from sandbox.server import Sandbox

VERSION = "62.0"


def bulk_query(http: requests.Session, base: str, soql: str) -> Iterator[dict[str, str]]:
    """Create a query job, poll it to JobComplete, then read every results page by its locator."""
    jobs = f"{base}/services/data/v{VERSION}/jobs/query"
    created = http.post(jobs, json={"operation": "query", "query": soql})
    assert created.status_code == 200, created.text
    assert dict(created.headers)["Content-Type"].startswith("application/json")
    job = created.json()
    while job["state"] not in ("JobComplete", "Failed", "Aborted"):
        job = http.get(f"{jobs}/{job['id']}").json()
    assert job["state"] == "JobComplete", job
    locator = ""
    while locator != "null":
        params = {"maxRecords": "37"} | ({"locator": locator} if locator else {})
        page = http.get(f"{jobs}/{job['id']}/results", params=params)
        headers = dict(page.headers)  # a plain dict: exact-case lookups, as many clients do
        assert headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(page.text)))
        assert int(headers["Sforce-NumberOfRecords"]) == len(rows)
        yield from rows
        locator = headers["Sforce-Locator"]


def live_ids(sb: Sandbox, object_name: str) -> set[str]:
    table = sb.sf_org.table(object_name)  # type: ignore[attr-defined]
    return {table.id_of(row) for row in table.rows(False)}


def test_bulk_reads_every_account_and_opportunity_with_exact_case_headers(
    contract_sandbox: Sandbox, sf_http: requests.Session
) -> None:
    accounts = list(
        bulk_query(sf_http, contract_sandbox.sf_url, "SELECT Id, Name, BillingCity, Phone, Website FROM Account")
    )
    deals = list(bulk_query(sf_http, contract_sandbox.sf_url, "SELECT Id, AccountId, Amount FROM Opportunity"))
    assert {a["Id"] for a in accounts} == live_ids(contract_sandbox, "Account")
    assert len(accounts) == len({a["Id"] for a in accounts})
    assert {d["Id"] for d in deals} == live_ids(contract_sandbox, "Opportunity")
    assert {d["AccountId"] for d in deals} <= live_ids(contract_sandbox, "Account")


def hubspot_list(http: requests.Session, base: str, object_type: str) -> Iterator[dict[str, object]]:
    """Page GET /crm/v3/objects/{type} by `paging.next.after` until no `paging` comes back."""
    params = {"limit": "100", "associations": "line_items,contacts"}
    url = f"{base}/crm/v3/objects/{object_type}"
    while True:
        page = http.get(url, params=params)
        assert page.status_code == 200, page.text
        headers = dict(page.headers)
        assert headers["Content-Type"].startswith("application/json")
        assert int(headers["X-HubSpot-RateLimit-Remaining"]) >= 0
        body = page.json()
        yield from body["results"]
        if "paging" not in body:
            return
        params["after"] = body["paging"]["next"]["after"]


def live_hubspot_ids(sb: Sandbox, object_type: str) -> set[str]:
    store = sb.hs_account.stores[object_type]  # type: ignore[attr-defined]
    return {str(store.ids[row]) for row in store.live_rows_from(0)}


def test_hubspot_lists_every_company_and_deal_with_line_item_and_contact_associations(
    contract_sandbox: Sandbox, hs_http: requests.Session
) -> None:
    for object_type in ("companies", "deals"):
        records = list(hubspot_list(hs_http, contract_sandbox.hs_url, object_type))
        ids = [str(r["id"]) for r in records]
        assert len(ids) == len(set(ids))
        assert set(ids) == live_hubspot_ids(contract_sandbox, object_type)
        assert all(isinstance(r["properties"], dict) and r["createdAt"] and r["updatedAt"] for r in records)


def test_companies_carry_their_contacts_as_the_portal_associates_them(
    contract_sandbox: Sandbox, hs_http: requests.Session
) -> None:
    account = contract_sandbox.hs_account
    records = list(hubspot_list(hs_http, contract_sandbox.hs_url, "companies"))
    shown = {str(r["id"]): {a["id"] for a in r.get("associations", {}).get("contacts", {}).get("results", [])}
             for r in records}  # fmt: skip
    contacts = account.stores["contacts"]  # type: ignore[attr-defined]
    truth = {
        company: {str(contacts.ids[row]) for row in contacts.live_rows_from(0)
                  if int(company) in account.other_links.targets("contacts", contacts.ids[row], "companies")}  # type: ignore[attr-defined]
        for company in shown
    }  # fmt: skip
    assert shown == truth
    assert sum(map(len, shown.values())) > 0
