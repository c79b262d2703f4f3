"""CRM search through the real client: operators, sorts, totals, paging, limits and the 10,000 window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hubspot.crm.companies import ApiException

from sandbox import hubspot as hs
from sandbox.runtime import Half, SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import closing_hubspot_client

WORLD = WorldSpec(seed=7, accounts=200, now=datetime(2026, 11, 1, tzinfo=UTC))
WIDE_COMPANIES = 10_250  # a little over the 10,000-result window


def _started(stub_halves: Any, world: WorldSpec, account: hs.HubSpotAccount | None = None) -> Sandbox:
    build = hs.HubSpotAccount.from_world if account is None else (lambda spec: account)
    halves = {**stub_halves, "hubspot": Half(build, hs.create_app, hs.render_fault)}
    return Sandbox(SandboxConfig(world=world), halves=halves).start()


def _wide_account() -> hs.HubSpotAccount:
    """An account of 10,250 companies made through the admin `create` action (no world needed)."""
    account = hs.HubSpotAccount()
    for n in range(WIDE_COMPANIES):
        account.apply_admin("create", {"object": "companies", "fields": {"name": f"Wide {n}"}})
    return account


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    sb = _started(stub_halves, WORLD)
    sb.admin("set_limits", "hubspot", search_per_second=1000)
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def search(hs_sandbox: Sandbox) -> Iterator[Any]:
    yield from (client.crm.companies.search_api for client in closing_hubspot_client(hs_sandbox))


def _one(prop: str, op: str, **extra: Any) -> dict[str, Any]:
    shown = ["name", "numberofemployees", "industry", "domain", "salesforce_account_id", "country"]
    return {"filterGroups": [{"filters": [{"propertyName": prop, "operator": op, **extra}]}], "limit": 200,
            "properties": shown}  # fmt: skip


def _everything(search: Any, body: dict[str, Any]) -> list[Any]:
    out, after = [], "0"
    while True:
        page = search.do_search({**body, "after": after})
        out.extend(page.results)
        if page.paging is None:
            return out
        after = page.paging.next.after


def test_numeric_operators_compare_numbers_not_strings(search) -> None:
    big = _everything(search, _one("numberofemployees", "GTE", value="1000"))
    assert big
    assert all(int(r.properties["numberofemployees"]) >= 1000 for r in big)
    between = _everything(search, _one("numberofemployees", "BETWEEN", value="200", highValue="999"))
    assert all(200 <= int(r.properties["numberofemployees"]) <= 999 for r in between)
    small = _everything(search, _one("numberofemployees", "LT", value="200"))
    total = search.do_search({"limit": 1}).total
    assert len(big) + len(between) + len(small) == total


def test_in_not_in_has_property_and_tokens(search) -> None:
    health = _everything(search, _one("industry", "IN", values=["HOSPITAL_HEALTH_CARE", "RETAIL"]))
    assert health
    assert {r.properties["industry"] for r in health} <= {"HOSPITAL_HEALTH_CARE", "RETAIL"}
    rest = _everything(search, _one("industry", "NOT_IN", values=["HOSPITAL_HEALTH_CARE", "RETAIL"]))
    assert not {r.id for r in health} & {r.id for r in rest}
    linked = _everything(search, _one("salesforce_account_id", "HAS_PROPERTY"))
    unlinked = _everything(search, _one("salesforce_account_id", "NOT_HAS_PROPERTY"))
    assert all(r.properties["salesforce_account_id"] for r in linked)
    assert all(r.properties["salesforce_account_id"] is None for r in unlinked)
    word = health[0].properties["name"].split()[0]
    named = _everything(search, _one("name", "CONTAINS_TOKEN", value=word.lower()))
    assert health[0].id in {r.id for r in named}
    wildcard = _everything(search, _one("domain", "CONTAINS_TOKEN", value="*.io"))
    assert wildcard
    assert all(r.properties["domain"].lower().endswith(".io") for r in wildcard)


def test_filter_groups_are_ored_and_filters_anded(search) -> None:
    body = {"filterGroups": [
        {"filters": [{"propertyName": "country", "operator": "EQ", "value": "japan"},
                     {"propertyName": "numberofemployees", "operator": "GT", "value": "100"}]},
        {"filters": [{"propertyName": "country", "operator": "EQ", "value": "Germany"}]},
    ], "properties": ["country", "numberofemployees"], "limit": 200}  # fmt: skip
    found = _everything(search, body)
    assert found
    for r in found:
        props = r.properties
        assert props["country"] == "Germany" or (props["country"] == "Japan" and int(props["numberofemployees"]) > 100)


def test_sorts_total_and_paging_by_offset(search) -> None:
    body = {"sorts": [{"propertyName": "numberofemployees", "direction": "DESCENDING"}],
            "properties": ["numberofemployees"], "limit": 7}  # fmt: skip
    first = search.do_search(body)
    assert first.paging.next.after == "7"
    counts = [int(r.properties["numberofemployees"]) for r in first.results]
    assert counts == sorted(counts, reverse=True)
    rest = _everything(search, {**body, "limit": 200})
    assert len(rest) == first.total
    ascending = search.do_search({"sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}], "limit": 200})
    ids = [int(r.id) for r in ascending.results]
    assert ids == sorted(ids)


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_incremental_window_on_hs_lastmodifieddate_in_epoch_ms(search) -> None:
    by_modified = [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    everything = _everything(search, {"limit": 200, "sorts": by_modified})
    stamps = [_ms(r.properties["hs_lastmodifieddate"]) for r in everything]
    assert stamps == sorted(stamps)
    middle = stamps[len(stamps) // 2]
    newer = _everything(search, {**_one("hs_lastmodifieddate", "GTE", value=str(middle)), "sorts": by_modified})
    assert [_ms(r.properties["hs_lastmodifieddate"]) for r in newer] == [s for s in stamps if s >= middle]
    iso = everything[len(stamps) // 2].properties["hs_lastmodifieddate"]
    by_iso = _everything(search, {**_one("hs_lastmodifieddate", "GTE", value=iso), "sorts": by_modified})
    assert [r.id for r in by_iso] == [r.id for r in newer]


def _keyset(search: Any, window: list[dict[str, Any]], after_id: int, limit: int) -> Any:
    """One page of the incremental keyset: ids above `after_id` within the last-modified window, by id."""
    above = {"propertyName": "hs_object_id", "operator": "GT", "value": str(after_id)}
    return search.do_search({"filterGroups": [{"filters": [*window, above]}], "limit": limit,
                             "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                             "properties": ["hs_lastmodifieddate"]})  # fmt: skip


def test_an_id_keyset_within_a_modified_window_pages_the_windows_records_in_id_order(search, hs_sandbox) -> None:
    """The shape an incremental read pages by: every page holds the next ids among the companies whose
    last-modified stamp is in the window, with the total of those left, as a list read of every company says;
    a company edited out of the window between two pages is not in the pages after."""
    stamps: dict[int, int] = {}
    for client in closing_hubspot_client(hs_sandbox):
        after = None
        while True:
            listed = client.crm.companies.basic_api.get_page(limit=100, after=after,
                                                             properties=["hs_lastmodifieddate"])  # fmt: skip
            stamps.update((int(r.id), _ms(r.properties["hs_lastmodifieddate"])) for r in listed.results)
            if listed.paging is None:
                break
            after = listed.paging.next.after
        ordered = sorted(stamps.values())
        lo, hi = ordered[len(ordered) // 4], ordered[3 * len(ordered) // 4]
        expected = sorted(i for i, stamp in stamps.items() if lo <= stamp <= hi)
        window = [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(lo)},
                  {"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": str(hi)}]  # fmt: skip
        first = _keyset(search, window, 0, 7)
        assert first.total == len(expected)
        seen = [int(r.id) for r in first.results]
        assert seen == expected[:7]
        moved = expected[20]  # ahead of the keyset: edited now, its stamp leaves the window
        client.crm.companies.basic_api.update(str(moved), {"properties": {"description": "edited between pages"}})
        rest = [i for i in expected if i != moved]
        while True:
            page = _keyset(search, window, seen[-1], 7)
            assert page.total == len([i for i in rest if i > seen[-1]])
            if not page.results:
                break
            seen += [int(r.id) for r in page.results]
        assert seen == rest


def test_search_never_returns_archived_records(search, hs_sandbox) -> None:
    account = hs_sandbox.hs_account
    store = account.stores["companies"]
    archived_ids = {str(store.ids[r]) for r in range(len(store.ids)) if store.state[r] == 2}
    assert archived_ids
    found = {r.id for r in _everything(search, {"limit": 200})}
    assert not found & archived_ids


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}]}] * 6}, "filter groups"),
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}] * 7}]}, "filters in"),
        ({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}] * 6}] * 4}, "18"),
        ({"limit": 201}, "limit"),
        ({"sorts": [{"propertyName": "name"}, {"propertyName": "domain"}]}, "one sort"),
        ({"query": "x" * 3100}, "3000"),
        ({"filterGroups": [{"filters": [{"propertyName": "nosuch", "operator": "EQ", "value": "1"}]}]}, "nosuch"),
        (
            {"filterGroups": [{"filters": [{"propertyName": "numberofemployees", "operator": "GT", "value": "many"}]}]},
            "not a valid number",
        ),
    ],
)
def test_search_limits_are_400_validation_errors(search, body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ApiException) as refused:
        search.do_search(body)
    assert refused.value.status == 400
    answer = json.loads(refused.value.body)
    assert answer["category"] == "VALIDATION_ERROR"
    assert answer["status"] == "error"
    assert fragment in answer["message"]


@pytest.fixture(scope="module")
def wide_search(stub_halves) -> Iterator[Any]:
    sb = _started(stub_halves, WORLD, _wide_account())
    yield from (client.crm.companies.search_api for client in closing_hubspot_client(sb))
    sb.stop()


def test_the_search_window_ends_at_10000_results(wide_search) -> None:
    body: dict[str, Any] = {"limit": 200, "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]}
    last_page = wide_search.do_search({**body, "after": "9800"})
    assert last_page.total == WIDE_COMPANIES
    assert len(last_page.results) == 200
    assert last_page.paging.next.after == "10000"
    for after, limit in (("10000", 200), ("9900", 200), ("10000", 1)):
        with pytest.raises(ApiException) as refused:
            wide_search.do_search({**body, "after": after, "limit": limit})
        assert refused.value.status == 400
        assert json.loads(refused.value.body)["category"] == "VALIDATION_ERROR"
    beyond = wide_search.do_search({**body, "filterGroups": [{"filters": [
        {"propertyName": "hs_object_id", "operator": "GT", "value": last_page.results[-1].id}]}]})  # fmt: skip
    assert beyond.total == last_page.total - 10_000
