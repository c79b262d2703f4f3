"""HubSpot owners, schemas, legacy properties and batch creation, driven with plain HTTP.

Examples: the owners reference (crm-owners-v3 "Get a page of owners"), the schemas reference
(crm-schemas-v3 "Retrieve an existing object schema"), the legacy Properties API v2 ("Get all company
properties"), properties batch create and associations v3/v4 batch create (crm-properties-v3,
crm-associations-v3, crm-associations-v4 references), with their example values.
"""

from __future__ import annotations

from typing import Any

import requests

from sandbox.server import Sandbox

HEADERS = ("Content-Type", "X-HubSpot-RateLimit-Remaining", "X-HubSpot-Correlation-Id")
OWNER: dict[str, Any] = {
    "id": "41629779", "email": "bcooper@hubspot.com", "type": "PERSON", "firstName": "Brian", "lastName": "Cooper",
    "userId": 9586504, "userIdIncludingInactive": 9586504, "createdAt": "2019-12-25T13:01:35.228Z",
    "updatedAt": "2023-08-22T13:40:26.790Z", "archived": False,
    "teams": [{"id": "368389", "name": "Sales Team", "primary": True}],
}  # fmt: skip
PROPERTY: dict[str, Any] = {
    "updatedAt": "2019-10-30T03:30:17.883Z", "createdAt": "2019-08-06T02:41:52.001Z", "name": "my_property",
    "label": "My property", "type": "enumeration", "fieldType": "select", "description": "", "groupName": "g",
    "options": [{"label": "A", "value": "A", "displayOrder": 1, "hidden": False, "description": None}],
    "displayOrder": 2, "calculated": False, "externalOptions": False, "hasUniqueValue": False, "hidden": False,
    "archived": False, "modificationMetadata": {"archivable": True, "readOnlyDefinition": False,
                                                "readOnlyValue": False},
    "formField": True, "dataSensitivity": "non_sensitive", "hubspotDefined": None, "showCurrencySymbol": None,
    "referencedObjectType": None,
}  # fmt: skip
OPTIONAL_PROPERTY_KEYS = ("hubspotDefined", "showCurrencySymbol", "referencedObjectType")
SCHEMA: dict[str, Any] = {
    "id": "0-2", "createdAt": "2020-02-20T18:07:11.390Z", "updatedAt": "2020-02-20T18:09:07.555Z",
    "archived": False, "labels": {"singular": "Company", "plural": "Companies"}, "requiredProperties": ["name"],
    "searchableProperties": ["name"], "primaryDisplayProperty": "name", "secondaryDisplayProperties": [],
    "objectTypeId": "0-2", "fullyQualifiedName": "companies", "name": "companies", "properties": [],
    "associations": [{"fromObjectTypeId": "0-2", "toObjectTypeId": "0-3", "name": "COMPANY_TO_DEAL", "id": "6",
                      "createdAt": None, "updatedAt": None}],
}  # fmt: skip
BATCH: dict[str, Any] = {
    "status": "COMPLETE", "results": [], "startedAt": "2019-10-30T03:30:17.883Z",
    "completedAt": "2019-10-30T03:30:17.883Z",
}  # fmt: skip
V3_LINK: dict[str, Any] = {"from": {"id": "53628"}, "to": {"id": "12726"}, "type": "deal_to_company"}
V4_LINK: dict[str, Any] = {"fromObjectTypeId": "0-3", "fromObjectId": 53628, "toObjectTypeId": "0-2",
                           "toObjectId": 12726, "labels": []}  # fmt: skip


def test_owners_page_and_one_owner(contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any) -> None:
    page = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/owners", params={"limit": 5})
    contract.check(page, 200, HEADERS, {"results": [OWNER], "paging": {"next": {"after": "5"}}})
    first = page.json()["results"][0]
    one = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/owners/{first['id']}")
    contract.check(one, 200, HEADERS, OWNER)
    assert one.json() == first
    by_email = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/owners", params={"email": first["email"]}).json()
    assert [o["id"] for o in by_email["results"]] == [first["id"]]


def test_a_standard_object_schema_by_name_and_by_type_id(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    by_name = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/schemas/companies")
    contract.check(by_name, 200, HEADERS, SCHEMA)
    assert by_name.json() == hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/schemas/0-2").json()
    names = {p["name"] for p in by_name.json()["properties"]}
    assert {"name", "domain", "description", "phone", "city", "state", "website", "zip"} <= names
    assert hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/schemas").json() == {"results": []}


def test_legacy_properties_are_a_plain_array_with_epoch_stamps(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    listed = hs_http.get(f"{contract_sandbox.hs_url}/properties/v2/companies/properties")
    contract.check(listed, 200, HEADERS)
    body = listed.json()
    assert isinstance(body, list)
    assert all(isinstance(p["createdAt"], int) and isinstance(p["name"], str) for p in body)
    v3 = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/properties/companies").json()["results"]
    assert [p["name"] for p in body] == [p["name"] for p in v3]


def test_properties_batch_create_answers_201_then_207_for_a_taken_name(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    url = f"{contract_sandbox.hs_url}/crm/v3/properties/deals/batch/create"
    new = {"name": "contract_batch_prop", "label": "Contract batch", "type": "string", "fieldType": "text",
           "groupName": "dealinformation"}  # fmt: skip
    made = hs_http.post(url, json={"inputs": [new]})
    contract.check(made, 201, HEADERS)
    contract.shape({**BATCH, "results": []}, {**made.json(), "results": []})
    for result in made.json()["results"]:
        trimmed = {k: v for k, v in result.items() if k not in OPTIONAL_PROPERTY_KEYS}
        contract.shape({k: v for k, v in PROPERTY.items() if k not in OPTIONAL_PROPERTY_KEYS}, trimmed)
    again = hs_http.post(url, json={"inputs": [new, {**new, "name": "contract_batch_prop_2"}]})
    contract.check(again, 207, HEADERS)
    assert again.json()["numErrors"] == 1
    assert [r["name"] for r in again.json()["results"]] == ["contract_batch_prop_2"]


def _live_ids(sb: Sandbox, object_type: str, n: int) -> list[int]:
    store = sb.hs_account.stores[object_type]  # type: ignore[attr-defined]
    return [store.ids[r] for r in list(store.live_rows_from(0))[:n]]


def test_association_batch_create_v3_and_v4_link_what_reads_then_show(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    deal, other_deal = _live_ids(contract_sandbox, "deals", 2)
    company = _live_ids(contract_sandbox, "companies", 40)[-1]
    v3 = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/associations/deals/companies/batch/create",
                      json={"inputs": [{"from": {"id": str(deal)}, "to": {"id": str(company)},
                                        "type": "deal_to_company"}]})  # fmt: skip
    contract.check(v3, 201, HEADERS, {**BATCH, "results": [V3_LINK]})
    v4 = hs_http.post(f"{contract_sandbox.hs_url}/crm/v4/associations/deals/companies/batch/create",
                      json={"inputs": [{"from": {"id": str(other_deal)}, "to": {"id": str(company)},
                                        "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                                   "associationTypeId": 341}]}]})  # fmt: skip
    contract.check(v4, 201, HEADERS, {**BATCH, "results": [V4_LINK]})
    shown = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/companies/{company}",
                        params={"associations": "deals"}).json()  # fmt: skip
    linked = {r["id"] for r in shown["associations"]["deals"]["results"]}
    assert {str(deal), str(other_deal)} <= linked


def test_products_tickets_and_line_items_are_objects(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    products = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/products", params={"limit": 100})
    contract.check(products, 200, HEADERS)
    store = contract_sandbox.hs_account.stores["products"]  # type: ignore[attr-defined]
    assert len(products.json()["results"]) == len(store.ids) > 0
    product = products.json()["results"][0]
    line = {"properties": {"hs_product_id": product["id"], "quantity": "2", "price": "10"}}
    item = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/objects/line_items", json=line)
    contract.check(item, 201, HEADERS)
    new_ticket = {"properties": {"subject": "Contract ticket", "hs_ticket_priority": "HIGH"}}
    ticket = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/objects/tickets", json=new_ticket)
    contract.check(ticket, 201, HEADERS)
    assert ticket.json()["url"].endswith(f"/record/0-5/{ticket.json()['id']}")


def test_a_line_item_created_on_a_deal_shows_in_the_deals_associations(
    contract_sandbox: Sandbox, hs_http: requests.Session, contract: Any
) -> None:
    (deal,) = _live_ids(contract_sandbox, "deals", 1)
    to_deal = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]
    body = {"properties": {"name": "Seats", "quantity": "3", "price": "100"},
            "associations": [{"to": {"id": str(deal)}, "types": to_deal}]}  # fmt: skip
    made = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/objects/line_items", json=body)
    contract.check(made, 201, HEADERS)
    read = hs_http.get(f"{contract_sandbox.hs_url}/crm/v3/objects/deals/{deal}", params={"associations": "line_items"})
    block = {"line_items": {"results": [{"id": "1", "type": "deal_to_line_item"}]}}
    contract.shape(block, read.json()["associations"])
    assert {r["id"] for r in read.json()["associations"]["line_items"]["results"]} == {made.json()["id"]}
    wrong = hs_http.post(f"{contract_sandbox.hs_url}/crm/v3/objects/line_items",
                         json={**body, "associations": [{"to": {"id": str(deal)}, "types": [
                             {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 999}]}]})  # fmt: skip
    contract.check(wrong, 400, ("Content-Type",))
