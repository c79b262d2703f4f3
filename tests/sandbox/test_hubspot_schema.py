"""Properties, property groups and pipelines through the real client, and schema drift."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import hubspot
import pytest
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate

from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import hubspot_halves

WORLD = WorldSpec(seed=7, accounts=100, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


def test_default_properties_carry_every_key_the_sdk_models(client) -> None:
    props = {p.name: p for p in client.crm.properties.core_api.get_all("companies").results}
    expected = {"name", "domain", "industry", "numberofemployees", "annualrevenue", "country", "hubspot_owner_id",
                "hs_parent_company_id", "lifecyclestage", "hs_lastmodifieddate", "createdate", "hs_object_id",
                "hs_merged_object_ids", "salesforce_account_id"}  # fmt: skip
    assert expected <= set(props)
    industry = props["industry"]
    assert (industry.type, industry.field_type) == ("enumeration", "select")
    assert "COMPUTER_SOFTWARE" in {o.value for o in industry.options}
    assert props["hs_lastmodifieddate"].modification_metadata.read_only_value is True
    assert props["salesforce_account_id"].has_unique_value is True
    assert props["salesforce_account_id"].hubspot_defined is None
    deals = {p.name: p for p in client.crm.properties.core_api.get_all("deals").results}
    assert {o.value for o in deals["dealtype"].options} == {"newbusiness", "existingbusiness"}
    assert "hs_v2_date_entered_closedwon" in deals
    assert "hs_v2_date_exited_75287961" in deals


def test_create_a_property_then_the_same_name_is_a_409(client) -> None:
    api = client.crm.properties.core_api
    body = PropertyCreate(name="account_score", label="Account score", type="number", field_type="number",
                          group_name="companyinformation")  # fmt: skip
    made = api.create("companies", body)
    assert made.name == "account_score"
    assert api.get_by_name("companies", "account_score").type == "number"
    with pytest.raises(PropertiesApiException) as taken:
        api.create("companies", body)
    assert taken.value.status == 409
    answer = json.loads(taken.value.body)
    assert answer["message"] == "Property already exists"
    assert answer["category"] == "OBJECT_ALREADY_EXISTS"
    companies = client.crm.companies.basic_api
    first = companies.get_page(limit=1).results[0]
    companies.update(first.id, {"properties": {"account_score": "87.5"}})
    assert companies.get_by_id(first.id, properties=["account_score"]).properties["account_score"] == "87.5"


def test_property_groups_list_create_and_conflict(client) -> None:
    api = client.crm.properties.groups_api
    assert "dealinformation" in {g.name for g in api.get_all("deals").results}
    made = api.create("companies", PropertyGroupCreate(name="scoring", label="Scoring"))
    assert (made.name, made.archived) == ("scoring", False)
    with pytest.raises(PropertiesApiException) as taken:
        api.create("companies", PropertyGroupCreate(name="scoring", label="Scoring"))
    assert taken.value.status == 409
    assert api.get_by_name("companies", "scoring").label == "Scoring"


def test_pipelines_have_stages_with_string_metadata(client) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    default = next(p for p in pipelines if p.id == "default")
    won = next(s for s in default.stages if s.id == "closedwon")
    assert won.metadata == {"isClosed": "true", "probability": "1.0"}
    first = default.stages[0]
    assert first.metadata == {"isClosed": "false", "probability": "0.2"}
    renewals = client.crm.pipelines.pipelines_api.get_by_id("deals", "75287960")
    assert [s.display_order for s in renewals.stages] == sorted(s.display_order for s in renewals.stages)
    stages = client.crm.pipelines.pipeline_stages_api.get_all("deals", "75287960").results
    assert {s.id for s in stages} == {s.id for s in renewals.stages}


def test_a_removed_field_vanishes_from_reads_writes_and_properties(client, hs_sandbox) -> None:
    hs_sandbox.admin("remove_field", "hubspot", object="companies", field="country")
    try:
        names = {p.name for p in client.crm.properties.core_api.get_all("companies").results}
        assert "country" not in names
        page = client.crm.companies.basic_api.get_page(limit=3, properties=["name", "country"])
        assert all("country" not in r.properties for r in page.results)
        with pytest.raises(hubspot.crm.companies.ApiException) as refused:
            client.crm.companies.basic_api.update(page.results[0].id, {"properties": {"country": "Chile"}})
        assert "PROPERTY_DOESNT_EXIST" in json.loads(refused.value.body)["message"]
    finally:
        hs_sandbox.admin("restore_field", "hubspot", object="companies", field="country")
    assert "country" in client.crm.companies.basic_api.get_page(limit=1, properties=["country"]).results[0].properties
