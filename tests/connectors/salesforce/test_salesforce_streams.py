"""Streams as data: fields intersected with describe, cursor fallback, CurrencyType only when multi-currency."""

from __future__ import annotations

from typing import Any

from connectors.salesforce.streams import StreamDef, plan_stream, stream_def

from .conftest import FakeSalesforce

DESCRIBES: dict[str, dict[str, Any]] = {
    "OpportunityLineItem": {
        "id": {"name": "Id", "type": "id"},
        "opportunityid": {"name": "OpportunityId", "type": "reference"},
        "product2id": {
            "name": "Product2Id",
            "type": "reference",
            "relationshipName": "Product2",
            "referenceTo": ["Product2"],
        },
        "totalprice": {"name": "TotalPrice", "type": "currency"},
        "systemmodstamp": {"name": "SystemModstamp", "type": "datetime"},
    },
    "Product2": {"family": {"name": "Family", "type": "picklist"}},
    "Thing__c": {"id": {"name": "Id", "type": "id"}, "createddate": {"name": "CreatedDate", "type": "datetime"}},
}


def test_fields_are_intersected_with_describe_and_relationships_resolved() -> None:
    plan = plan_stream(stream_def("OpportunityLineItem"), ["Discount__c"], DESCRIBES.__getitem__)
    assert plan.spec.fields == ("Id", "OpportunityId", "Product2.Family", "TotalPrice", "SystemModstamp")
    assert plan.spec.cursor_field == "SystemModstamp"
    assert plan.shape.types["Product2.Family"] == "picklist"
    # optional fields the org lacks (single currency, no IsDeleted) are dropped quietly; extras are errors
    assert set(plan.field_errors) == {"Discount__c"}
    assert plan.tracks_deletes


def test_an_object_without_systemmodstamp_falls_back_to_created_date() -> None:
    plan = plan_stream(StreamDef("Thing__c", "Thing__c", ("Id",)), [], DESCRIBES.__getitem__)
    assert plan.spec.cursor_field == "CreatedDate"
    assert plan.spec.fields == ("Id", "CreatedDate")


def test_currency_type_is_only_a_stream_in_a_multi_currency_org(fake_sf: FakeSalesforce, fake_connector) -> None:
    account = {"name": "Account", "fields": [{"name": "Id", "type": "id"}, {"name": "Name", "type": "string"}]}
    fake_sf.route("GET", r"/sobjects$", (200, {"sobjects": [{"name": "Account"}]}, {}))
    fake_sf.route("GET", r"/sobjects/Account/describe$", (200, account, {}))
    specs = fake_connector.streams(["Account", "CurrencyType", "Widget__c"])
    assert [s.name for s in specs] == ["Account"]
    assert specs[0].cursor_field is None  # no stamp at all: read in full, in Id order
    assert "*" in fake_connector.field_errors("Widget__c")
    assert "Industry" in fake_connector.field_errors("Account")


def test_the_connector_implements_the_protocol(fake_connector) -> None:
    from connectors.base import Connector

    assert isinstance(fake_connector, Connector)
    assert (fake_connector.name, fake_connector.crm) == ("fake-sf", "salesforce")
