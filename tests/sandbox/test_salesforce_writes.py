"""Writes through simple-salesforce: sObject Collections with per-record failures, upserts, single records."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox.server import Sandbox

REP = "maya.chen@orbitaldevices.example"


def new_accounts(sandbox: Sandbox, count: int, **params: Any) -> list[str]:
    return [
        sandbox.admin("create", "salesforce", object="Account", fields={"Name": f"Write Test {n}"}, **params)["id"]
        for n in range(count)
    ]


def raw(sandbox: Sandbox, record_id: str) -> dict[str, Any]:
    return sandbox.admin("get", "salesforce", object="Account", id=record_id)


def update(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    body = {"allOrNone": all_or_none, "records": [{"attributes": {"type": "Account"}, **r} for r in records]}
    return sf.restful("composite/sobjects", method="PATCH", json=body)


def test_collection_update_answers_one_result_per_record_in_order_with_each_failure(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    ok, rule, locked, gone = new_accounts(sandbox, 4)
    sandbox.admin("reject_writes", "salesforce", object="Account", ids=[rule], message="Score must be set by ops")
    sandbox.admin("lock", "salesforce", object="Account", ids=[locked])
    sandbox.admin("delete", "salesforce", object="Account", ids=[gone])
    try:
        results = update(sf, [{"id": i, "NumberOfEmployees": 42} for i in (ok, rule, locked, gone)])
    finally:
        sandbox.admin("stop_rejecting", "salesforce", object="Account")
        sandbox.admin("unlock", "salesforce", object="Account")
    assert results[0] == {"id": ok, "success": True, "errors": []}
    assert results[1] == {
        "success": False,
        "errors": [
            {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Score must be set by ops", "fields": []}
        ],
    }
    assert results[2]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert (
        results[2]["errors"][0]["message"] == f"unable to obtain exclusive access to this record or 1 records: {locked}"
    )
    assert results[3] == {
        "success": False,
        "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}],
    }
    assert raw(sandbox, ok)["NumberOfEmployees"] == 42
    assert raw(sandbox, rule)["NumberOfEmployees"] is None


def test_successful_writes_bump_the_stamps_and_name_the_integration_user_as_editor(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    (record,) = new_accounts(sandbox, 1, user=REP)
    before = raw(sandbox, record)
    update(sf, [{"id": record, "Industry": "Energy"}])
    after = raw(sandbox, record)
    integration = sf.query(f"SELECT Id FROM User WHERE Username = '{sandbox.credentials.sf_username}'")["records"][0]
    assert after["LastModifiedById"] == integration["Id"] != before["LastModifiedById"]
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] == after["SystemModstamp"]


def test_an_admin_edit_can_name_a_rep_as_the_editor(sandbox: Sandbox, sf: Salesforce) -> None:
    (record,) = new_accounts(sandbox, 1)
    sandbox.admin("update", "salesforce", object="Account", id=record, fields={"Industry": "Media"}, user=REP)
    rep = sf.query(f"SELECT Id FROM User WHERE Username = '{REP}'")["records"][0]["Id"]
    seen = sf.query(f"SELECT LastModifiedById, LastModifiedBy.Email FROM Account WHERE Id = '{record}'")["records"][0]
    assert seen["LastModifiedById"] == rep
    assert seen["LastModifiedBy"]["Email"] == REP


def test_all_or_none_rolls_back_every_record_when_one_fails(sandbox: Sandbox, sf: Salesforce) -> None:
    first, second = new_accounts(sandbox, 2)
    results = update(sf, [{"id": first, "NumberOfEmployees": 7}, {"id": second, "Name": None}], all_or_none=True)
    assert results[0] == {
        "id": first,
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request was using AllOrNone "
                "header",
                "fields": [],
            }
        ],
    }
    assert results[1]["errors"][0] == {
        "statusCode": "REQUIRED_FIELD_MISSING",
        "message": "Required fields are missing: [Name]",
        "fields": ["Name"],
    }
    assert raw(sandbox, first)["NumberOfEmployees"] is None


@pytest.mark.parametrize(
    ("record", "code", "fields"),
    [
        ({"id": "001nope", "Industry": "Energy"}, "MALFORMED_ID", []),
        ({"IsDeleted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsDeleted"]),
        ({"ParentId": "0068d000AbC0000AIB"}, "FIELD_INTEGRITY_EXCEPTION", ["ParentId"]),
        ({"Website": "x" * 300}, "STRING_TOO_LONG", ["Website"]),
    ],
)
def test_bad_records_fail_alone_with_their_status_code(
    sandbox: Sandbox, sf: Salesforce, record: dict[str, Any], code: str, fields: list[str]
) -> None:
    (target,) = new_accounts(sandbox, 1)
    (other,) = new_accounts(sandbox, 1)
    results = update(sf, [{"id": target} | record, {"id": other, "Industry": "Retail"}])
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == code
    assert results[0]["errors"][0]["fields"] == fields
    assert results[1] == {"id": other, "success": True, "errors": []}


def test_an_unknown_field_fails_its_record_and_an_oversized_batch_the_whole_request(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    target, other = new_accounts(sandbox, 2)
    results = update(sf, [{"id": target, "Score__c": 5}, {"id": other, "Industry": "Energy"}])
    assert results == [
        {"success": False, "errors": [{"statusCode": "INVALID_FIELD", "fields": [],
                                       "message": "No such column 'Score__c' on sobject of type Account"}]},
        {"id": other, "success": True, "errors": []},
    ]  # fmt: skip
    with pytest.raises(SalesforceMalformedRequest) as too_many:
        update(sf, [{"id": target, "Industry": "Energy"}] * 201)
    assert too_many.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_upsert_by_external_id_creates_then_updates(sandbox: Sandbox, sf: Salesforce) -> None:
    body = {
        "allOrNone": False,
        "records": [{"attributes": {"type": "Account"}, "HubSpot_Company_Id__c": "hs-9001", "Name": "Upserted Co"}],
    }
    created = sf.restful("composite/sobjects/Account/HubSpot_Company_Id__c", method="PATCH", json=body)
    assert created[0]["success"] is True
    assert created[0]["created"] is True
    body["records"][0]["Name"] = "Upserted Co Renamed"
    again = sf.restful("composite/sobjects/Account/HubSpot_Company_Id__c", method="PATCH", json=body)
    assert again == [{"id": created[0]["id"], "success": True, "errors": [], "created": False}]
    assert sf.Account.get_by_custom_id("HubSpot_Company_Id__c", "hs-9001")["Name"] == "Upserted Co Renamed"


def test_single_record_get_update_delete_through_sobject_type(sandbox: Sandbox, sf: Salesforce) -> None:
    created = sf.Account.create({"Name": "Single Record Co", "Industry": "Retail"})
    assert created["success"] is True
    assert created["id"].startswith("001")
    assert sf.Account.update(created["id"], {"NumberOfEmployees": 12}) == 204
    record = sf.Account.get(created["id"])
    assert record["NumberOfEmployees"] == 12
    assert record["attributes"]["type"] == "Account"
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get(created["id"])
    assert caught.value.content == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
    deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{created['id']}'", include_deleted=True)
    assert deleted["records"][0]["IsDeleted"] is True


def test_stage_changes_add_opportunity_history_rows(sandbox: Sandbox, sf: Salesforce) -> None:
    (account,) = new_accounts(sandbox, 1)
    opp = sf.Opportunity.create(
        {"AccountId": account, "Name": "History Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31"}
    )["id"]
    sf.Opportunity.update(opp, {"StageName": "Qualification"})
    sf.Opportunity.update(opp, {"Amount": 1000})
    history = sf.query(
        f"SELECT StageName, Amount FROM OpportunityHistory WHERE OpportunityId = '{opp}' ORDER BY CreatedDate"
    )
    assert [h["StageName"] for h in history["records"]] == ["Prospecting", "Qualification", "Qualification"]
    probability = sf.query(f"SELECT Probability, IsClosed FROM Opportunity WHERE Id = '{opp}'")["records"][0]
    assert probability == {"attributes": probability["attributes"], "Probability": 20.0, "IsClosed": False}
