"""HubSpot CRM v3 driven with plain HTTP, each exchange checked against an example from HubSpot's public docs.

Examples are the response bodies shown in HubSpot's API reference (developers.hubspot.com/docs/api-reference:
crm-companies-v3, crm-contacts-v3, crm-deals-v3 "Read a page", "Create", "Search"; error-handling; the
usage-details page's 429 example) with their example values. A record's `url` is the newer references' field.
"""

from __future__ import annotations

from typing import Any

import requests

from sandbox.server import Sandbox

RATE_HEADERS = ("Content-Type", "Date", "X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining",
                "X-HubSpot-RateLimit-Interval-Milliseconds", "X-HubSpot-RateLimit-Max",
                "X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Secondly",
                "X-HubSpot-RateLimit-Secondly-Remaining", "X-HubSpot-Correlation-Id")  # fmt: skip
PROPERTIES = ("$.results[].properties", "$.properties")

RECORD: dict[str, Any] = {
    "id": "512",
    "properties": {"createdate": "2019-10-30T03:30:17.883Z", "name": "Biglytics"},
    "createdAt": "2019-10-30T03:30:17.883Z",
    "updatedAt": "2019-12-07T16:50:06.678Z",
    "archived": False,
    "url": "https://app.hubspot.com/contacts/123456/record/0-2/512",
}
PAGE: dict[str, Any] = {
    "results": [RECORD],
    "paging": {"next": {"after": "NTI1Cg%3D%3D", "link": "?after=NTI1Cg%3D%3D"}},
}
SEARCH_PAGE: dict[str, Any] = {"total": 1, "results": [RECORD], "paging": {"next": {"after": "NTI1Cg%3D%3D"}}}
ERROR: dict[str, Any] = {
    "status": "error",
    "message": "Property values were not valid: [...]",
    "correlationId": "a43683b0-5717-4ceb-80b4-104d02915d8c",
    "category": "VALIDATION_ERROR",
    "errors": [{"message": 'Property "nope" does not exist', "code": "PROPERTY_DOESNT_EXIST", "in": "nope"}],
}
NOT_FOUND: dict[str, Any] = {
    "status": "error",
    "message": "resource not found",
    "correlationId": "a43683b0-5717-4ceb-80b4-104d02915d8c",
    "category": "OBJECT_NOT_FOUND",
}
CONFLICT: dict[str, Any] = {
    "status": "error",
    "message": "Contact already exists. Existing ID: 5340151",
    "correlationId": "a43683b0-5717-4ceb-80b4-104d02915d8c",
    "context": {"email": ["bh@hubspot.com"]},
    "category": "CONFLICT",
}
RATE_LIMITED: dict[str, Any] = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
    "policyName": "TEN_SECONDLY_ROLLING",
    "groupName": "publicapi:private-app-api-calls-ten-secondly:123",
    "requestId": "3d3e35b7-0dae-4b9f-a6e3-9c230cbcf8dd",
}


def test_list_companies_pages_with_documented_shape(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    page = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/companies", params={"limit": 2})
    contract.check(page, 200, RATE_HEADERS, PAGE, PROPERTIES)


def test_list_with_associations_adds_the_documented_block(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    params = {"limit": 100, "associations": "deals"}
    page = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/companies", params=params)
    contract.check(page, 200, RATE_HEADERS)
    with_deals = [r for r in page.json()["results"] if "associations" in r]
    assert with_deals
    example = {**RECORD, "associations": {"deals": {"results": [{"id": "1467822235", "type": "company_to_deal"}]}}}
    contract.shape({"results": [example]}, {"results": with_deals}, PROPERTIES)


def test_search_accepts_the_older_top_level_filters(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    store = contract_sandbox.hs_account.stores["companies"]  # type: ignore[attr-defined]
    row = next(iter(store.live_rows_from(0)))
    name = store.raw(row, "name")
    expected = {str(store.ids[r]) for r in store.live_rows_from(0) if store.raw(r, "name") == name}
    url = f"{contract_sandbox.hs_url}/crm/v3/objects/companies/search"
    body = {"filters": [{"propertyName": "name", "operator": "EQ", "value": name}], "limit": 100}
    found = hs_http.post(url, json=body)
    contract.check(found, 200, RATE_HEADERS)
    assert {r["id"] for r in found.json()["results"]} == expected
    assert found.json()["total"] == len(expected)


def test_search_page_has_the_documented_shape(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    url = f"{contract_sandbox.hs_url}/crm/v3/objects/companies/search"
    body = {"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}]}], "limit": 1}
    contract.check(hs_http.post(url, json=body), 200, RATE_HEADERS, SEARCH_PAGE, PROPERTIES)


def test_create_with_an_unknown_property_is_a_validation_error_with_errors(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    made = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/objects/companies", json={"properties": {"nope": "x"}})
    contract.check(made, 400, ("Content-Type", "X-HubSpot-Correlation-Id"), ERROR)
    assert made.json()["errors"][0]["in"] == "nope"


def test_a_second_contact_with_the_same_email_is_a_conflict(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    url = f"{contract_sandbox.hs_url}/crm/v3/objects/contacts"
    first = hs_http.post(url, json={"properties": {"email": "bh@contract.example", "firstname": "Brian"}})
    contract.check(first, 201, RATE_HEADERS, RECORD, PROPERTIES)
    again = hs_http.post(url, json={"properties": {"email": "BH@Contract.Example"}})
    contract.check(again, 409, ("Content-Type", "X-HubSpot-Correlation-Id"), CONFLICT)
    assert again.json()["message"] == f"Contact already exists. Existing ID: {first.json()['id']}"


def test_an_unknown_path_is_hubspots_json_404(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    missing = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/companies/12/nothing/here")
    contract.check(missing, 404, ("Content-Type", "X-HubSpot-Correlation-Id", "X-HubSpot-NotFound"), NOT_FOUND)


def test_429_carries_policy_and_request_id(contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any) -> None:
    before = contract_sandbox.admin("set_limits", "hubspot")
    contract_sandbox.admin("set_limits", "hubspot", ten_secondly=1)
    try:
        url = f"{contract_sandbox.hs_url}/crm/v3/objects/companies"
        refused = [r for r in (hs_http.get(url), hs_http.get(url)) if r.status_code == 429]
    finally:
        contract_sandbox.admin("set_limits", "hubspot", ten_secondly=before["ten_secondly_max"])
    assert refused
    contract.check(refused[0], 429, ("Content-Type", "X-HubSpot-RateLimit-Remaining"), RATE_LIMITED)
