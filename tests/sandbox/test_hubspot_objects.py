"""HubSpot objects through the real hubspot-api-client: list paging, reads, writes, histories, auth."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import hubspot
import pytest
import urllib3
from hubspot.crm.companies import ApiException as CompanyApiException
from hubspot.crm.companies import SimplePublicObjectInputForCreate
from hubspot.crm.deals import ApiException as DealApiException

from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import close_pools, hubspot_halves

WORLD = WorldSpec(seed=7, accounts=200, now=datetime(2026, 11, 1, tzinfo=UTC))
ISO_PROPERTY = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _all_pages(api: Any, **kwargs: Any) -> list[Any]:
    out, after = [], None
    while True:
        page = api.get_page(after=after, **kwargs)
        out.extend(page.results)
        if page.paging is None:
            return out
        after = page.paging.next.after


def test_list_pages_with_after_until_no_paging_and_ids_ascend(client, hs_sandbox) -> None:
    api = client.crm.companies.basic_api
    rows = _all_pages(api, limit=37, properties=["name", "industry"], archived=False)
    ids = [int(r.id) for r in rows]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == hs_sandbox.hs_account.snapshot()["companies"]["live"]
    first = rows[0]
    assert set(first.properties) == {"createdate", "hs_lastmodifieddate", "hs_object_id", "industry", "name"}
    assert first.properties["hs_object_id"] == first.id
    assert ISO_PROPERTY.match(first.properties["hs_lastmodifieddate"])
    assert first.archived is False


def test_list_caps_at_100_and_at_50_with_histories(client) -> None:
    api = client.crm.deals.basic_api
    assert len(api.get_page(limit=500).results) == 100
    with_history = api.get_page(limit=100, properties_with_history=["dealstage"])
    assert len(with_history.results) == 50


def test_list_accepts_comma_separated_properties_and_any_case_flags(hs_sandbox) -> None:
    headers = {"Authorization": f"Bearer {hs_sandbox.credentials.hs_token}"}
    url = f"{hs_sandbox.hs_url}/crm/v3/objects/companies?limit=2&properties=name,country&archived=FALSE"
    body = httpx.get(url, headers=headers, verify=hs_sandbox.ssl_context()).json()
    assert {"name", "country"} <= set(body["results"][0]["properties"])
    assert body["paging"]["next"]["link"].startswith(hs_sandbox.hs_url)


def test_archived_list_shows_only_archived_records_with_archived_at(client) -> None:
    archived = client.crm.companies.basic_api.get_page(limit=100, archived=True).results
    assert archived
    assert all(r.archived and r.archived_at is not None for r in archived)


def test_requested_properties_without_value_come_back_null_and_unknown_ones_are_ignored(client) -> None:
    page = client.crm.companies.basic_api.get_page(limit=100, properties=["salesforce_account_id", "nosuch"])
    values = [r.properties.get("salesforce_account_id") for r in page.results]
    assert None in values
    assert any(v and v.startswith("001") for v in values)
    assert all("nosuch" not in r.properties for r in page.results)


def test_property_values_are_strings_as_hubspot_writes_them(client) -> None:
    props = ["amount", "closedate", "hs_is_closed", "hs_deal_stage_probability", "dealstage", "pipeline"]
    deals = client.crm.deals.basic_api.get_page(limit=100, properties=props).results
    won = [d for d in deals if d.properties["dealstage"] == "closedwon"]
    assert won
    assert won[0].properties["hs_is_closed"] == "true"
    assert won[0].properties["hs_deal_stage_probability"] == "1"
    assert re.match(r"^\d{4}-\d\d-\d\dT00:00:00Z$", won[0].properties["closedate"])
    open_deal = next(d for d in deals if d.properties["dealstage"] == "appointmentscheduled")
    assert open_deal.properties["hs_deal_stage_probability"].startswith("0.2000000000000000111")
    assert all(isinstance(v, str) or v is None for d in deals for v in d.properties.values())


def test_deal_stage_history_comes_newest_first(client) -> None:
    page = client.crm.deals.basic_api.get_page(limit=50, properties_with_history=["dealstage"])
    histories = [r.properties_with_history["dealstage"] for r in page.results]
    long_one = max(histories, key=len)
    assert len(long_one) >= 3
    stamps = [entry.timestamp for entry in long_one]
    assert stamps == sorted(stamps, reverse=True)
    assert long_one[-1].source_type == "CRM_UI"


def test_get_by_id_and_by_unique_id_property_and_a_bodiless_404(client) -> None:
    api = client.crm.companies.basic_api
    linked = next(r for r in api.get_page(limit=100, properties=["salesforce_account_id"]).results
                  if r.properties["salesforce_account_id"])  # fmt: skip
    by_id = api.get_by_id(linked.id, properties=["name"], associations=["deals"])
    assert by_id.id == linked.id
    sf_id = linked.properties["salesforce_account_id"]
    by_link = api.get_by_id(sf_id, id_property="salesforce_account_id")
    assert by_link.id == linked.id
    with pytest.raises(CompanyApiException) as missing:
        api.get_by_id("999")
    assert missing.value.status == 404
    assert not missing.value.body


def test_create_then_patch_moves_hs_lastmodifieddate_and_records_the_stage_change(client) -> None:
    api = client.crm.deals.basic_api
    made = api.create(SimplePublicObjectInputForCreate(properties={
        "dealname": "Sandbox test deal", "amount": "1000", "pipeline": "default", "dealstage": "appointmentscheduled",
    }))  # fmt: skip
    before = made.properties["hs_lastmodifieddate"]
    time.sleep(0.002)
    updated = api.update(made.id, {"properties": {"dealstage": "closedwon"}})
    assert _instant(updated.properties["hs_lastmodifieddate"]) > _instant(before)
    again = api.get_by_id(made.id, properties=["hs_is_closed_won", "hs_v2_date_entered_closedwon"],
                          properties_with_history=["dealstage"])  # fmt: skip
    assert again.properties["hs_is_closed_won"] == "true"
    assert again.properties["hs_v2_date_entered_closedwon"] == updated.properties["hs_lastmodifieddate"]
    assert [h.value for h in again.properties_with_history["dealstage"]] == ["closedwon", "appointmentscheduled"]
    assert again.properties_with_history["dealstage"][0].source_type == "INTEGRATION"


def test_writing_an_unknown_or_read_only_property_is_a_validation_error(client) -> None:
    api = client.crm.deals.basic_api
    some = api.get_page(limit=1).results[0]
    with pytest.raises(DealApiException) as unknown:
        api.update(some.id, {"properties": {"no_such_field": "1"}})
    assert unknown.value.status == 400
    body = json.loads(unknown.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    issues = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert issues[0]["error"] == "PROPERTY_DOESNT_EXIST"
    assert issues[0]["name"] == "no_such_field"
    with pytest.raises(DealApiException) as read_only:
        api.update(some.id, {"properties": {"hs_is_closed": "true"}})
    assert "READ_ONLY_VALUE" in read_only.value.body
    with pytest.raises(DealApiException) as bad_stage:
        api.update(some.id, {"properties": {"dealstage": "75287961"}})
    assert "INVALID_OPTION" in bad_stage.value.body


def test_a_bad_token_is_a_401_in_hubspots_shape(hs_sandbox) -> None:
    bad = hubspot.Client.create(access_token="pat-na1-wrong", host=hs_sandbox.hs_url,
                                ssl_ca_cert=str(hs_sandbox.ca_path), retry=urllib3.Retry(0))  # fmt: skip
    api = bad.crm.companies.basic_api
    with pytest.raises(CompanyApiException) as denied:
        api.get_page(limit=1)
    close_pools(api)
    assert denied.value.status == 401
    assert '"category":"INVALID_AUTHENTICATION"' in denied.value.body
    assert "Authentication credentials not found" in denied.value.body
    assert denied.value.headers["X-HubSpot-Auth-Failure"] == "401 Unauthorized"
