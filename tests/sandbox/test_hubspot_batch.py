"""Batch read/create/update/upsert/archive and merges through the real client, 207s included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hubspot.crm.companies import (
    ApiException,
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
    BatchResponseSimplePublicUpsertObject,
    PublicMergeInput,
)

from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import hubspot_halves

WORLD = WorldSpec(seed=11, accounts=150, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _company_ids(client: Any, n: int) -> list[str]:
    return [r.id for r in client.crm.companies.basic_api.get_page(limit=n).results]


def test_batch_read_answers_207_with_the_ids_it_could_not_find(client) -> None:
    ids = _company_ids(client, 3)
    answer = client.crm.companies.batch_api.read({"inputs": [{"id": i} for i in [*ids, "1", "2"]],
                                                  "properties": ["name"], "propertiesWithHistory": []})  # fmt: skip
    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert sorted(r.id for r in answer.results) == sorted(ids)
    assert answer.num_errors == 1
    error = answer.errors[0]
    assert error.status == "error"
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context == {"ids": ["1", "2"]}
    assert "Could not get some COMPANY objects" in error.message
    complete = client.crm.companies.batch_api.read({"inputs": [{"id": i} for i in ids], "properties": ["name"],
                                                    "propertiesWithHistory": []})  # fmt: skip
    assert isinstance(complete, BatchResponseSimplePublicObject)
    assert complete.status == "COMPLETE"


def test_batch_update_answers_207_for_missing_and_rule_rejected_records(client, hs_sandbox) -> None:
    ids = _company_ids(client, 4)
    hs_sandbox.admin("reject_writes", "hubspot", object="companies", ids=[ids[1]], code="PARENT_CHECK",
                     message="Parent company must be set before changing revenue")  # fmt: skip
    try:
        answer = client.crm.companies.batch_api.update({"inputs": [
            {"id": ids[0], "properties": {"annualrevenue": "123456"}},
            {"id": ids[1], "properties": {"annualrevenue": "1"}},
            {"id": "404", "properties": {"annualrevenue": "2"}},
        ]})  # fmt: skip
    finally:
        hs_sandbox.admin("stop_rejecting", "hubspot", object="companies")
    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert [r.id for r in answer.results] == [ids[0]]
    assert answer.results[0].properties["annualrevenue"] == "123456"
    by_category = {e.category: e for e in answer.errors}
    assert by_category["OBJECT_NOT_FOUND"].context["ids"] == ["404"]
    assert by_category["VALIDATION_ERROR"].context["ids"] == [ids[1]]
    assert by_category["VALIDATION_ERROR"].message == "Parent company must be set before changing revenue"


def test_locked_records_fail_alone_in_a_batch_and_as_423_alone(client, hs_sandbox) -> None:
    ids = _company_ids(client, 2)
    hs_sandbox.admin("lock", "hubspot", object="companies", ids=[ids[0]])
    try:
        answer = client.crm.companies.batch_api.update({"inputs": [
            {"id": i, "properties": {"country": "Iceland"}} for i in ids]})  # fmt: skip
        assert [e.category for e in answer.errors] == ["LOCKED"]
        with pytest.raises(ApiException) as locked:
            client.crm.companies.basic_api.update(ids[0], {"properties": {"country": "Iceland"}})
        assert locked.value.status == 423
    finally:
        hs_sandbox.admin("unlock", "hubspot", object="companies", ids=[ids[0]])


def test_an_unknown_property_fails_the_whole_batch(client) -> None:
    ids = _company_ids(client, 2)
    with pytest.raises(ApiException) as refused:
        client.crm.companies.batch_api.update({"inputs": [
            {"id": ids[0], "properties": {"name": "fine"}},
            {"id": ids[1], "properties": {"score__c": "9"}},
        ]})  # fmt: skip
    assert refused.value.status == 400
    assert "PROPERTY_DOESNT_EXIST" in json.loads(refused.value.body)["message"]
    assert client.crm.companies.basic_api.get_by_id(ids[0]).properties["name"] != "fine"


def test_batch_create_is_201_and_traced_inputs_fail_one_by_one(client) -> None:
    created = client.crm.companies.batch_api.create({"inputs": [
        {"properties": {"name": "Alpha Test", "domain": "alpha.example"}, "associations": []},
        {"properties": {"name": "Beta Test"}, "associations": []}]})  # fmt: skip
    assert isinstance(created, BatchResponseSimplePublicObject)
    assert {r.properties["name"] for r in created.results} == {"Alpha Test", "Beta Test"}
    traced = client.crm.companies.batch_api.create({"inputs": [
        {"properties": {"name": "Gamma Test"}, "associations": [], "objectWriteTraceId": "t-1"},
        {"properties": {"industry": "NOT_AN_INDUSTRY"}, "associations": [], "objectWriteTraceId": "t-2"}]})  # fmt: skip
    assert isinstance(traced, BatchResponseSimplePublicObjectWithErrors)
    assert [r.object_write_trace_id for r in traced.results] == ["t-1"]
    assert traced.errors[0].context == {"objectWriteTraceId": ["t-2"]}
    assert "INVALID_OPTION" in traced.errors[0].message
    with pytest.raises(ApiException) as untraced:
        client.crm.companies.batch_api.create({"inputs": [
            {"properties": {"name": "Delta"}, "associations": []},
            {"properties": {"industry": "NOT_AN_INDUSTRY"}, "associations": []}]})  # fmt: skip
    assert untraced.value.status == 400


def test_batch_upsert_by_the_unique_link_property_creates_then_updates(client) -> None:
    body = {"inputs": [{"id": "001TESTUPSERT00001", "idProperty": "salesforce_account_id",
                        "properties": {"name": "Upserted Co"}}]}  # fmt: skip
    first = client.crm.companies.batch_api.upsert(body)
    assert isinstance(first, BatchResponseSimplePublicUpsertObject)
    assert first.results[0].new is True
    body["inputs"][0]["properties"] = {"name": "Upserted Co (renamed)"}
    second = client.crm.companies.batch_api.upsert(body)
    assert second.results[0].new is False
    assert second.results[0].id == first.results[0].id
    read = client.crm.companies.basic_api.get_by_id("001TESTUPSERT00001", id_property="salesforce_account_id")
    assert read.properties["name"] == "Upserted Co (renamed)"
    with pytest.raises(ApiException) as not_unique:
        client.crm.companies.batch_api.upsert({"inputs": [{"id": "x", "idProperty": "name", "properties": {}}]})
    assert not_unique.value.status == 400


def test_batch_limits_and_archive(client) -> None:
    with pytest.raises(ApiException) as too_many:
        client.crm.companies.batch_api.read({"inputs": [{"id": str(i)} for i in range(101)], "properties": [],
                                             "propertiesWithHistory": []})  # fmt: skip
    assert too_many.value.status == 400
    victim = _company_ids(client, 1)[0]
    assert client.crm.companies.batch_api.archive({"inputs": [{"id": victim}, {"id": "12345"}]}) is None
    archived = client.crm.companies.basic_api.get_by_id(victim, archived=True)
    assert archived.archived is True
    assert archived.archived_at is not None
    assert victim not in {r.id for r in client.crm.companies.basic_api.get_page(limit=100).results}


def test_merge_keeps_the_primary_and_the_merged_id_resolves_to_it(client) -> None:
    primary, victim = _company_ids(client, 2)
    before = client.crm.companies.basic_api.get_by_id(primary, properties=["hs_lastmodifieddate"])
    merged = client.crm.companies.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=victim)
    )
    assert merged.id == primary
    read = client.crm.companies.basic_api.get_by_id(victim, properties=["hs_merged_object_ids"])
    assert read.id == primary
    assert victim in read.properties["hs_merged_object_ids"].split(";")
    assert _instant(read.properties["hs_lastmodifieddate"]) > _instant(before.properties["hs_lastmodifieddate"])
    listed = {r.id for r in client.crm.companies.basic_api.get_page(limit=100).results}
    assert victim not in listed
    found = client.crm.companies.search_api.do_search({"filterGroups": [{"filters": [
        {"propertyName": "hs_object_id", "operator": "EQ", "value": victim}]}]})  # fmt: skip
    assert found.total == 0
    with pytest.raises(ApiException) as itself:
        client.crm.companies.basic_api.merge(PublicMergeInput(primary_object_id=primary,
                                                                      object_id_to_merge=primary))  # fmt: skip
    assert itself.value.status == 400
