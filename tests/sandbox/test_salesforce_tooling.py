"""Tooling API custom fields, field-level security granted through FieldPermissions, and schema drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.runtime import Half, default_halves
from sandbox.server import Sandbox
from sandbox.world import CrmName

SCORE = {"FullName": "Account.Score__c", "Metadata": {"label": "Score", "type": "Number", "precision": 18, "scale": 2}}


@pytest.fixture
def org_sandbox(make_sandbox: Callable[..., Sandbox], stub_halves: dict[CrmName, Half]) -> Sandbox:
    """A fresh org of its own (these tests change the schema); HubSpot is a stub to start faster."""
    return make_sandbox(halves={"salesforce": default_halves()["salesforce"], "hubspot": stub_halves["hubspot"]})


@pytest.fixture
def sf_org(org_sandbox: Sandbox) -> Sandbox:
    return org_sandbox


def field_names(sf: Salesforce) -> set[str]:
    return {f["name"] for f in sf.Account.describe()["fields"]}


def write_score(sf: Salesforce, record_id: str, score: float) -> Any:
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Account"}, "id": record_id, "Score__c": score}]}
    return sf.restful("composite/sobjects", method="PATCH", json=body)


def integration_permission_set(sf: Salesforce, username: str) -> str:
    user = sf.query(f"SELECT Id FROM User WHERE Username = '{username}'")["records"][0]["Id"]
    assigned = sf.query(
        f"SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = '{user}'"
    )["records"]
    return next(a["PermissionSetId"] for a in assigned if a["PermissionSet"]["Name"] == "AccountSync_Integration")


def test_a_new_custom_field_is_invisible_and_unwritable_until_field_permissions_grant_it(
    org_sandbox: Sandbox, sf: Salesforce
) -> None:
    created = sf.restful("tooling/sobjects/CustomField", method="POST", json=SCORE)
    assert created is not None
    assert created["success"] is True
    assert created["id"].startswith("00N")
    assert "Score__c" not in field_names(sf)
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    refused = write_score(sf, account, 87.5)
    assert refused[0]["success"] is False
    assert refused[0]["errors"][0]["statusCode"] == "INVALID_FIELD"

    grant = {
        "ParentId": integration_permission_set(sf, org_sandbox.credentials.sf_username),
        "SobjectType": "Account",
        "Field": "Account.Score__c",
        "PermissionsRead": True,
        "PermissionsEdit": True,
    }
    assert sf.FieldPermissions.create(grant)["success"] is True
    score = next(f for f in sf.Account.describe()["fields"] if f["name"] == "Score__c")
    assert (score["type"], score["custom"], score["updateable"], score["precision"], score["scale"]) == (
        "double", True, True, 18, 2,
    )  # fmt: skip
    assert write_score(sf, account, 87.5) == [{"id": account, "success": True, "errors": []}]
    assert sf.query(f"SELECT Score__c FROM Account WHERE Id = '{account}'")["records"][0]["Score__c"] == 87.5


def test_read_only_grant_makes_the_field_visible_but_not_updateable(org_sandbox: Sandbox, sf: Salesforce) -> None:
    sf.restful("tooling/sobjects/CustomField", method="POST", json=SCORE)
    grant = {
        "ParentId": integration_permission_set(sf, org_sandbox.credentials.sf_username),
        "SobjectType": "Account",
        "Field": "Account.Score__c",
        "PermissionsRead": True,
        "PermissionsEdit": False,
    }
    sf.FieldPermissions.create(grant)
    assert next(f for f in sf.Account.describe()["fields"] if f["name"] == "Score__c")["updateable"] is False
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    (result,) = write_score(sf, account, 1.0)
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert result["errors"][0]["fields"] == ["Score__c"]


def test_creating_the_same_field_twice_and_granting_an_unknown_field_are_refused(
    org_sandbox: Sandbox, sf: Salesforce
) -> None:
    sf.restful("tooling/sobjects/CustomField", method="POST", json=SCORE)
    with pytest.raises(SalesforceMalformedRequest) as twice:
        sf.restful("tooling/sobjects/CustomField", method="POST", json=SCORE)
    assert twice.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    grant = {
        "ParentId": integration_permission_set(sf, org_sandbox.credentials.sf_username),
        "SobjectType": "Account",
        "Field": "Account.Nope__c",
        "PermissionsRead": True,
    }
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.FieldPermissions.create(grant)
    assert unknown.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_tooling_query_lists_custom_fields(sf: Salesforce) -> None:
    sf.restful("tooling/sobjects/CustomField", method="POST", json=SCORE)
    found = sf.toolingexecute("query/?q=SELECT+Id,+DeveloperName+FROM+CustomField+WHERE+TableEnumOrId+=+'Account'")
    assert {r["DeveloperName"] for r in found["records"]} >= {"Score", "HubSpot_Company_Id"}


def test_a_removed_field_disappears_from_describe_and_queries_until_restored(
    org_sandbox: Sandbox, sf: Salesforce
) -> None:
    assert "Industry" in field_names(sf)
    org_sandbox.admin("remove_field", "salesforce", object="Account", field="Industry")
    assert "Industry" not in field_names(sf)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id, Industry FROM Account")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    org_sandbox.admin("restore_field", "salesforce", object="Account", field="Industry")
    assert "Industry" in field_names(sf)
    assert sf.query("SELECT Id, Industry FROM Account LIMIT 1")["totalSize"] == 1
