"""The HubSpot account in-process: the world it holds, admin actions, mutations, pickling, search paths."""

from __future__ import annotations

import pickle
import random
from datetime import UTC, datetime

import pytest

from sandbox.errors import AdminError
from sandbox.hubspot import HubSpotAccount
from sandbox.hubspot.search_request import parse_search
from sandbox.world import WorldSpec, companies

WORLD = WorldSpec(seed=7, accounts=120, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def world_account() -> HubSpotAccount:
    return HubSpotAccount.from_world(WORLD)


def test_the_account_holds_the_worlds_hubspot_companies_only(world_account: HubSpotAccount) -> None:
    expected = [c for c in companies(WORLD) if c.in_hubspot]
    snap = world_account.snapshot()["companies"]
    assert snap["rows"] == len(expected)
    assert snap["merged"] == sum(1 for c in expected if c.merged_into is not None)
    assert snap["archived"] == sum(1 for c in expected if c.deleted and c.merged_into is None)
    survivors = [c for c in expected if c.merged_into is not None]
    if survivors:
        store = world_account.stores["companies"]
        row = store.resolve(6_100_000_000 + 3 * survivors[0].index)
        assert row is not None
        merged = str(store.raw(row, "hs_merged_object_ids"))
        assert str(6_100_000_000 + 3 * survivors[0].index) in merged.split(";")


def test_generated_records_are_stamped_at_or_before_the_worlds_now(world_account: HubSpotAccount) -> None:
    limit = int(WORLD.now.timestamp() * 1000)
    for store in world_account.stores.values():
        assert all(stamp <= limit for stamp in store.updated)
        assert all(stamp <= limit for stamp in store.created)


def test_api_writes_get_strictly_increasing_millisecond_stamps() -> None:
    account = HubSpotAccount.from_world(WORLD)
    store = account.stores["companies"]
    ids = [str(store.ids[r]) for r in list(store.live_rows_from(0))[:30]]
    stamps = [account.apply_admin("update", {"object": "companies", "id": i, "fields": {"country": f"C{n}"}})
              ["updatedAt"] for n, i in enumerate(ids)]  # fmt: skip
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_an_explicit_stamp_makes_a_tie_on_request() -> None:
    account = HubSpotAccount.from_world(WORLD)
    store = account.stores["companies"]
    a, b = (str(store.ids[r]) for r in list(store.live_rows_from(0))[:2])
    for object_id in (a, b):
        account.apply_admin("update", {"object": "companies", "id": object_id, "fields": {"country": "Tie"},
                                       "stamp": "2026-11-01T12:00:00Z"})  # fmt: skip
    got = [account.apply_admin("get", {"object": "companies", "id": i}) for i in (a, b)]
    assert got[0]["updatedAt"] == got[1]["updatedAt"] == 1_793_534_400_000
    assert got[0]["properties"]["hs_lastmodifieddate"] == "2026-11-01T12:00:00Z"


def test_admin_refuses_unknown_actions_and_bad_parameters(world_account: HubSpotAccount) -> None:
    with pytest.raises(KeyError):
        world_account.apply_admin("explode", {})
    with pytest.raises(AdminError):
        world_account.apply_admin("get", {"object": "companies", "id": "1"})
    with pytest.raises(AdminError):
        world_account.apply_admin("lock", {"object": "invoices", "ids": [1]})


def test_mutations_change_the_account_and_it_pickles_with_its_changes() -> None:
    account = HubSpotAccount.from_world(WORLD)
    rng = random.Random(3)
    done = [account.mutate_random(rng, datetime.now(UTC)) for _ in range(120)]
    assert {"update", "create", "delete"} <= {d["action"] for d in done}
    copy = pickle.loads(pickle.dumps(account))  # noqa: S301 - our own bytes
    assert copy.snapshot()["companies"] == account.snapshot()["companies"]
    changed = next(d for d in done if d["action"] == "update")
    assert copy.apply_admin("get", {"object": changed["object"], "id": changed["id"]}) == account.apply_admin(
        "get", {"object": changed["object"], "id": changed["id"]}
    )


@pytest.mark.parametrize(
    "body",
    [
        {"sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}], "limit": 25, "after": "40"},
        {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "6100000100"}]}],
         "limit": 30},
        {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                                        "value": "1767225600000"}]}],
         "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}], "limit": 10, "after": "5"},
    ],
)  # fmt: skip
def test_index_answered_searches_match_the_filtered_scan(world_account: HubSpotAccount, body) -> None:
    otype, store = world_account.store_of("companies")
    request = parse_search(body, 100)
    fast = world_account.search.page(store, otype, request)
    # The same search with a filter the indexes cannot answer takes the scanning path.
    extra = {"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}
    groups = body.get("filterGroups") or [{"filters": []}]
    slow_body = {**body, "filterGroups": [{"filters": [*groups[0]["filters"], extra]}]}
    slow = world_account.search.page(store, otype, parse_search(slow_body, 100))
    assert fast == slow
    assert fast[1]
