"""Salesforce REST and Bulk 2.0 driven with plain HTTP, each checked against the developer guides' examples.

Examples are the bodies shown in the REST API Developer Guide (dome_versions, dome_sobject_create,
dome_upsert, resources_composite_sobjects_collections_update, errorcodes) and the Bulk API 2.0 Developer
Guide (create_job, get_job_info), with their example values.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from sandbox.server import Sandbox

V = "/services/data/v62.0"
HEADERS = ("Content-Type", "Date", "Sforce-Limit-Info")
VERSION: dict[str, Any] = {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
SAVED: dict[str, Any] = {"id": "001D000000IqhSLIAZ", "errors": [], "success": True}
UPSERTED: dict[str, Any] = {**SAVED, "created": False}
ERROR = {"statusCode": "MALFORMED_ID", "message": "malformed id 001RM000003oLrB000", "fields": []}
FAILED: dict[str, Any] = {"success": False, "errors": [ERROR]}
REST_ERROR: list[dict[str, Any]] = [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
NOT_FOUND: list[dict[str, Any]] = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
INGEST_JOB: dict[str, Any] = {
    "id": "7505fEXAMPLE4C2AAM", "operation": "upsert", "object": "Account", "createdById": "0055fEXAMPLEtG4AAM",
    "createdDate": "2022-01-02T21:33:43.000+0000", "systemModstamp": "2022-01-02T21:33:43.000+0000",
    "state": "Open", "externalIdFieldName": "Id", "concurrencyMode": "Parallel", "contentType": "CSV",
    "apiVersion": 62.0, "contentUrl": "services/data/v62.0/jobs/ingest/7505fEXAMPLE4C2AAM/batches",
    "lineEnding": "LF", "columnDelimiter": "COMMA",
}  # fmt: skip


def some_accounts(http: requests.Session, sb: Sandbox, n: int) -> list[str]:
    soql = f"SELECT Id FROM Account ORDER BY Id LIMIT {n}"
    return [r["Id"] for r in http.get(f"{sb.sf_url}{V}/query", params={"q": soql}).json()["records"]]


def test_versions_are_listed_without_a_session_up_to_the_current_release(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    hs_http.headers.pop("Authorization")  # a session without any Salesforce token
    listed = hs_http.get(f"{contract_sandbox.sf_url}/services/data/")
    contract.check(listed, 200, ("Content-Type", "Date"), [VERSION])
    versions = listed.json()
    assert versions[0] == VERSION
    assert versions[-1] == {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"}


def test_the_newest_version_and_its_latest_alias_are_served(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    for version in ("v67.0", "latest"):
        answer = sf_http.get(f"{contract_sandbox.sf_url}/services/data/{version}/sobjects/Account/describe")
        contract.check(answer, 200, HEADERS)
        assert answer.json()["name"] == "Account"


def test_create_answers_201_with_location(contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any) -> None:
    made = sf_http.post(f"{contract_sandbox.sf_url}{V}/sobjects/Account", json={"Name": "Contract Create"})
    contract.check(made, 201, (*HEADERS, "Location"), SAVED)
    assert made.headers["Location"] == f"{V}/sobjects/Account/{made.json()['id']}"
    assert sf_http.get(contract_sandbox.sf_url + made.headers["Location"]).json()["Name"] == "Contract Create"


def test_upsert_updates_with_200_and_creates_with_201_and_location(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    url = f"{contract_sandbox.sf_url}{V}/sobjects/Account/HubSpot_Company_Id__c/contract-ext-1"
    created = sf_http.patch(url, json={"Name": "Contract Upsert"})
    contract.check(created, 201, (*HEADERS, "Location"), {**SAVED, "created": True})
    again = sf_http.patch(url, json={"Name": "Contract Upsert 2"})
    contract.check(again, 200, HEADERS, UPSERTED)
    assert again.json() == {"id": created.json()["id"], "success": True, "errors": [], "created": False}
    by_id = sf_http.patch(f"{contract_sandbox.sf_url}{V}/sobjects/Account/Id/{created.json()['id']}",
                          json={"Name": "Contract Upsert 3"})  # fmt: skip
    contract.check(by_id, 200, HEADERS, UPSERTED)


def test_collections_report_each_failure_in_its_own_result_inside_a_200(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    good, gone = some_accounts(sf_http, contract_sandbox, 2)
    contract_sandbox.admin("delete", "salesforce", object="Account", ids=[gone])
    records = [
        {"attributes": {"type": "Account"}, "id": good, "Industry": "Energy"},
        {"attributes": {"type": "Account"}, "id": "001RM000003oLrB000", "Name": "x"},
        {"attributes": {"type": "Account"}, "id": gone, "Name": "x"},
        {"attributes": {"type": "Account"}, "id": good, "NoSuchField__c": "x"},
        {"attributes": {"type": "NoSuchObject"}, "id": good, "Name": "x"},
    ]
    answer = sf_http.patch(f"{contract_sandbox.sf_url}{V}/composite/sobjects",
                           json={"allOrNone": False, "records": records})  # fmt: skip
    contract.check(answer, 200, HEADERS)
    first, *failures = answer.json()
    contract.shape(SAVED, first)
    for failure in failures:
        contract.shape(FAILED, failure)
    assert [f["errors"][0]["statusCode"] for f in failures] == [
        "INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED", "INVALID_FIELD", "INVALID_TYPE",
    ]  # fmt: skip


def test_a_deleted_record_answers_entity_is_deleted_with_fields(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    made = sf_http.post(f"{contract_sandbox.sf_url}{V}/sobjects/Account", json={"Name": "Soon Gone"}).json()["id"]
    assert sf_http.delete(f"{contract_sandbox.sf_url}{V}/sobjects/Account/{made}").status_code == 204
    contract.check(sf_http.get(f"{contract_sandbox.sf_url}{V}/sobjects/Account/{made}"), 404, HEADERS, REST_ERROR)


def test_an_unknown_resource_is_salesforces_json_404(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    contract.check(sf_http.get(f"{contract_sandbox.sf_url}{V}/no/such/thing"), 404, HEADERS, NOT_FOUND)


def test_bulk_ingest_upsert_on_id_updates_and_creates(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    (existing,) = some_accounts(sf_http, contract_sandbox, 1)
    jobs = f"{contract_sandbox.sf_url}{V}/jobs/ingest"
    job = sf_http.post(jobs, json={"object": "Account", "operation": "upsert", "externalIdFieldName": "Id",
                                   "lineEnding": "LF"})  # fmt: skip
    contract.check(job, 200, HEADERS, INGEST_JOB)
    job_id = job.json()["id"]
    csv = f"Id,Name\n{existing},Bulk Upserted\n,\n"
    uploaded = sf_http.put(f"{jobs}/{job_id}/batches", data=csv, headers={"Content-Type": "text/csv"})
    assert uploaded.status_code == 201
    assert sf_http.patch(f"{jobs}/{job_id}", json={"state": "UploadComplete"}).status_code == 200
    state = ""
    while state not in ("JobComplete", "Failed", "Aborted"):
        time.sleep(0.05)
        state = sf_http.get(f"{jobs}/{job_id}").json()["state"]
    assert state == "JobComplete"
    ok = sf_http.get(f"{jobs}/{job_id}/successfulResults")
    contract.check(ok, 200, ("Content-Type", "Sforce-Limit-Info"))
    lines = ok.text.splitlines()
    assert lines[0] == '"sf__Id","sf__Created","Id","Name"'
    assert lines[1] == f'"{existing}","false","{existing}","Bulk Upserted"'
    failed = sf_http.get(f"{jobs}/{job_id}/failedResults").text.splitlines()
    assert len(lines) - 1 + len(failed) - 1 == 2  # the blank row is created or refused (Name required), never lost
    described = sf_http.get(f"{contract_sandbox.sf_url}{V}/sobjects/Account/{existing}").json()
    assert described["Name"] == "Bulk Upserted"


ACCOUNT_TYPES = {
    "AccountNumber": "string", "Phone": "phone", "Fax": "phone", "Website": "url", "BillingStreet": "textarea",
    "BillingCity": "string", "BillingState": "string", "BillingPostalCode": "string", "BillingCountry": "string",
    "BillingLatitude": "double", "BillingGeocodeAccuracy": "picklist", "BillingAddress": "address",
    "ShippingAddress": "address", "Description": "textarea", "ParentId": "reference", "OwnerId": "reference",
    "Type": "picklist", "Rating": "picklist", "Industry": "picklist", "AnnualRevenue": "currency",
    "NumberOfEmployees": "int", "PhotoUrl": "url", "LastActivityDate": "date",
}  # fmt: skip
STANDARD_OBJECTS = ("Account", "Opportunity", "Contact", "OpportunityContactRole", "AccountContactRelation",
                    "OpportunityLineItem", "Product2", "PricebookEntry", "User", "AccountTeamMember")  # fmt: skip
ADDRESS: dict[str, Any] = {  # REST API Developer Guide, "Address Compound Fields" example
    "city": "San Francisco", "country": "US", "geocodeAccuracy": None, "latitude": None, "longitude": None,
    "postalCode": "94105", "state": "CA", "street": "1 Market St",
}  # fmt: skip


def test_account_describes_the_standard_fields_with_their_real_types(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    described = sf_http.get(f"{contract_sandbox.sf_url}{V}/sobjects/Account/describe")
    contract.check(described, 200, HEADERS)
    fields = {f["name"]: f for f in described.json()["fields"]}
    assert {name: fields[name]["type"] for name in ACCOUNT_TYPES} == ACCOUNT_TYPES
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert (fields["BillingAddress"]["filterable"], fields["BillingAddress"]["createable"]) == (False, False)
    assert fields["BillingAddress"]["soapType"] == "urn:address"


def test_every_standard_object_a_crm_integration_reads_is_listed_and_described(
    contract_sandbox: Sandbox, sf_http: requests.Session
) -> None:
    listed = {o["name"] for o in sf_http.get(f"{contract_sandbox.sf_url}{V}/sobjects").json()["sobjects"]}
    assert set(STANDARD_OBJECTS) <= listed
    for name in STANDARD_OBJECTS:
        described = sf_http.get(f"{contract_sandbox.sf_url}{V}/sobjects/{name}/describe").json()
        assert len(described["fields"]) >= 8, name


def test_rest_reads_an_address_as_one_object(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    soql = "SELECT Id, BillingCity, BillingAddress FROM Account WHERE BillingCountry != null LIMIT 5"
    page = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": soql})
    contract.check(page, 200, HEADERS)
    for record in page.json()["records"]:
        contract.shape(ADDRESS, record["BillingAddress"])
        assert record["BillingAddress"]["city"] == record["BillingCity"]


def test_bulk_refuses_a_compound_field_with_salesforces_words(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    job = {"operation": "query", "query": "SELECT Id, BillingAddress FROM Account"}
    refused = sf_http.post(f"{contract_sandbox.sf_url}{V}/jobs/query", json=job)
    example = [{"errorCode": "API_ERROR", "message": "Selecting compound data not supported in Bulk Query"}]
    contract.check(refused, 400, ("Content-Type", "Sforce-Limit-Info"), example)
    assert refused.json() == example


# Industry and the sum are nullable (a group of accounts without an industry, a sum over no values).
AGGREGATE: dict[str, Any] = {"attributes": {"type": "AggregateResult"}, "Industry": None, "n": 3, "expr0": None}


def test_aggregates_answer_aggregate_results_counted_as_the_org_holds_them(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    soql = "SELECT Industry, COUNT(Id) n, SUM(AnnualRevenue) FROM Account GROUP BY Industry"
    page = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": soql})
    contract.check(page, 200, HEADERS, {"totalSize": 1, "done": True, "records": [AGGREGATE]})
    table = contract_sandbox.sf_org.table("Account")  # type: ignore[attr-defined]
    expected: dict[str | None, list[float | None]] = {}
    for row in table.rows(False):
        expected.setdefault(table.get(row, "Industry"), []).append(table.get(row, "AnnualRevenue"))
    got = {r["Industry"]: (r["n"], r["expr0"]) for r in page.json()["records"]}
    sums = {k: [x for x in v if x is not None] for k, v in expected.items()}
    assert got == {k: (len(v), float(sum(sums[k])) if sums[k] else None) for k, v in expected.items()}
    assert page.json()["totalSize"] == len(expected)
    total = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": "SELECT COUNT(Id) FROM Account"}).json()
    assert total["records"][0]["expr0"] == sum(len(v) for v in expected.values())


def test_an_ungrouped_field_beside_an_aggregate_is_malformed(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    soql = "SELECT Name, COUNT(Id) FROM Account"
    refused = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": soql})
    contract.check(refused, 400, HEADERS, [{"message": "m", "errorCode": "MALFORMED_QUERY"}])
    assert refused.json()[0]["message"] == "Field must be grouped or aggregated: Name"


def test_an_empty_name_is_a_missing_required_field(
    contract_sandbox: Sandbox, sf_http: requests.Session, contract: Any
) -> None:
    (target,) = some_accounts(sf_http, contract_sandbox, 1)
    refused = sf_http.patch(f"{contract_sandbox.sf_url}{V}/sobjects/Account/{target}", json={"Name": ""})
    example = [{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["Name"]}]  # fmt: skip
    contract.check(refused, 400, HEADERS, example)
    assert refused.json() == example


def test_an_over_long_uri_is_414_and_over_long_headers_431(
    contract_sandbox: Sandbox, sf_http: requests.Session
) -> None:
    fields = ", ".join(["Name"] * 2_500)  # 20,000 bytes once URL-encoded: over the 16,384 a URI may take
    long_uri = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": f"SELECT {fields} FROM Account"})
    assert long_uri.status_code == 414
    short = "SELECT Id FROM Account LIMIT 1"
    heavy = sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": short}, headers={"X-Padding": "x" * 16_400})
    assert heavy.status_code == 431
    assert sf_http.get(f"{contract_sandbox.sf_url}{V}/query", params={"q": short}).status_code == 200
