"""HubSpot Lists API v3 through the real hubspot-api-client: a MANUAL company list, memberships added, removed,
paged; missing records reported, names unique in any case, DYNAMIC lists refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import hubspot
import pytest
from hubspot.crm.lists import ApiException, ListCreateRequest

from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import closing_hubspot_client, hubspot_halves

WORLD = WorldSpec(seed=7, accounts=120, now=datetime(2026, 11, 1, tzinfo=UTC))
COMPANIES = "0-2"


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


@pytest.fixture(scope="module")
def client(hs_sandbox: Sandbox) -> Iterator[hubspot.Client]:
    yield from closing_hubspot_client(hs_sandbox)


def _company_ids(client: hubspot.Client, n: int) -> list[str]:
    return [c.id for c in client.crm.companies.basic_api.get_page(limit=n).results]


def _members(client: hubspot.Client, list_id: str) -> list[str]:
    found, after = [], None
    while True:
        page = client.crm.lists.memberships_api.get_page(list_id, after=after, limit=2)
        found += [row.record_id for row in page.results]
        if page.paging is None or page.paging.next is None:
            return found
        after = page.paging.next.after


def test_a_manual_company_list_gains_and_loses_members_and_reports_missing_ids(client: hubspot.Client) -> None:
    lists = client.crm.lists
    made = lists.lists_api.create(ListCreateRequest(name="Tier A accounts", object_type_id=COMPANIES,
                                                    processing_type="MANUAL")).list  # fmt: skip
    assert (made.name, made.object_type_id, made.processing_type, made.size) == ("Tier A accounts", "0-2", "MANUAL", 0)
    ids = _company_ids(client, 5)
    added = lists.memberships_api.add(made.list_id, [*ids, "999999999999"])
    assert sorted(added.records_ids_added) == sorted(ids)
    assert added.record_ids_missing == ["999999999999"]
    again = lists.memberships_api.add(made.list_id, ids[:2])
    assert again.records_ids_added == []  # already members
    assert sorted(_members(client, made.list_id), key=int) == sorted(ids, key=int)  # paged two at a time
    removed = lists.memberships_api.remove(made.list_id, [ids[0], "999999999999"])
    assert removed.record_ids_removed == [ids[0]]
    assert removed.record_ids_missing == ["999999999999"]
    fetched = lists.lists_api.get_by_name("tier a ACCOUNTS", COMPANIES).list  # names match in any case
    assert (fetched.list_id, fetched.size) == (made.list_id, 4)
    assert fetched.list_version > made.list_version
    assert lists.lists_api.get_by_id(made.list_id).list.size == 4


def test_a_taken_name_an_unknown_list_and_a_dynamic_list_are_refused(client: hubspot.Client) -> None:
    lists = client.crm.lists.lists_api
    lists.create(ListCreateRequest(name="Pilot", object_type_id=COMPANIES, processing_type="MANUAL"))
    for request in (ListCreateRequest(name="PILOT", object_type_id=COMPANIES, processing_type="MANUAL"),
                    ListCreateRequest(name="Live", object_type_id=COMPANIES, processing_type="DYNAMIC")):  # fmt: skip
        with pytest.raises(ApiException) as refused:
            lists.create(request)
        assert refused.value.status == 400
        assert '"category":"VALIDATION_ERROR"' in refused.value.body
    with pytest.raises(ApiException) as missing:
        lists.get_by_name("nobody", COMPANIES)
    assert missing.value.status == 404
