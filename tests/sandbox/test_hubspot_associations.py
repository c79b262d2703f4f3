"""Associations v4 through the real client: labelled types, several companies per deal, paging, 207s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hubspot.crm.associations.v4 import (
    BatchResponsePublicAssociationMultiWithLabel,
    BatchResponsePublicAssociationMultiWithLabelWithErrors,
)

from sandbox.hubspot.associations import AssociationStore
from sandbox.runtime import SandboxConfig
from sandbox.server import Sandbox
from sandbox.world import WorldSpec

from .conftest import hubspot_halves

WORLD = WorldSpec(seed=7, accounts=300, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def hs_sandbox(stub_halves) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(world=WORLD), halves=hubspot_halves(stub_halves)) as sb:
        yield sb


def _all_deal_ids(client: Any) -> list[str]:
    out, after = [], None
    while True:
        page = client.crm.deals.basic_api.get_page(limit=100, after=after)
        out.extend(r.id for r in page.results)
        if page.paging is None:
            return out
        after = page.paging.next.after


def _read(client: Any, from_type: str, to_type: str, ids: list[str]) -> Any:
    return client.crm.associations.v4.batch_api.get_page(from_type, to_type, {"inputs": [{"id": i} for i in ids]})


def test_deals_name_a_primary_company_and_some_name_several(client) -> None:
    deal_ids = _all_deal_ids(client)
    answer = _read(client, "deals", "companies", deal_ids[:1000])
    assert answer.status == "COMPLETE"
    targets = {r._from.id: r.to for r in answer.results}
    several = [to for to in targets.values() if len(to) > 1]
    assert several, "some deals are associated with their company and its parent"
    for to in targets.values():
        kinds = [[(t.type_id, t.label, t.category) for t in item.association_types] for item in to]
        primaries = [k for k in kinds if (5, "Primary", "HUBSPOT_DEFINED") in k]
        assert len(primaries) == 1
        assert all((341, None, "HUBSPOT_DEFINED") in k for k in kinds)
        assert all(item.to_object_id.isdigit() for item in to)


def test_an_input_without_associations_is_a_207_error_entry(client) -> None:
    real = _all_deal_ids(client)[0]
    answer = _read(client, "deals", "companies", [real, "77"])
    assert isinstance(answer, BatchResponsePublicAssociationMultiWithLabelWithErrors)
    assert [r._from.id for r in answer.results] == [real]
    error = answer.errors[0]
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error.context["fromObjectId"] == ["77"]
    assert error.message == "No company is associated with deal 77."
    clean = _read(client, "deals", "companies", [real])
    assert isinstance(clean, BatchResponsePublicAssociationMultiWithLabel)


def test_each_result_pages_with_its_own_after_cursor(client, hs_sandbox) -> None:
    companies = client.crm.companies.basic_api.get_page(limit=100).results
    answer = _read(client, "companies", "deals", [c.id for c in companies])
    busiest = max(answer.results, key=lambda r: len(r.to))
    total = len(busiest.to)
    assert total >= 3
    hs_sandbox.admin("set_association_page_size", "hubspot", size=2)
    try:
        seen: list[str] = []
        after = None
        while True:
            item = {"id": busiest._from.id, **({"after": after} if after else {})}
            page = client.crm.associations.v4.batch_api.get_page("companies", "deals", {"inputs": [item]})
            result = page.results[0]
            assert len(result.to) <= 2
            seen.extend(t.to_object_id for t in result.to)
            if result.paging is None:
                break
            after = result.paging.next.after
    finally:
        hs_sandbox.admin("set_association_page_size", "hubspot", size=500)
    assert seen == [t.to_object_id for t in busiest.to]
    assert {t.type_id for item in busiest.to for t in item.association_types} <= {6, 342}


def test_one_records_associations_and_the_v3_block_on_reads(client) -> None:
    deal_id = _all_deal_ids(client)[0]
    v4 = client.crm.associations.v4.basic_api.get_page("deals", deal_id, "companies", limit=500)
    assert v4.results
    company_id = v4.results[0].to_object_id
    read = client.crm.deals.basic_api.get_by_id(deal_id, associations=["companies"])
    types = {(a.id, a.type) for a in read.associations["companies"].results}
    assert (company_id, "deal_to_company_unlabeled") in types
    assert any(t == "deal_to_company" for _, t in types)


def _kinds(store: AssociationStore, from_type: str, object_id: int) -> list[tuple[int, list[int]]]:
    return [(other, [k.type_id for k in kinds]) for other, kinds in store.targets(from_type, object_id)]


def test_the_association_arrays_keep_one_primary_per_deal_through_moves_and_merges() -> None:
    links = AssociationStore(deal_base=1000, company_base=500)
    links.add(1001, 501, primary=True, bulk=True)
    links.add(1001, 502, primary=False, bulk=True)
    links.add(1002, 502, primary=True, bulk=True)
    links.finish()
    assert _kinds(links, "deals", 1001) == [(501, [5, 341]), (502, [341])]
    assert _kinds(links, "companies", 502) == [(1001, [342]), (1002, [6, 342])]
    links.add(1001, 502, primary=True)  # a new primary demotes the old one
    assert _kinds(links, "deals", 1001) == [(501, [341]), (502, [5, 341])]
    links.move_company(502, 503)  # company merge: deals follow, primaries stay primary
    assert _kinds(links, "companies", 502) == []
    assert _kinds(links, "companies", 503) == [(1001, [6, 342]), (1002, [6, 342])]
    links.move_deal(1002, 1001)  # deal merge: the survivor keeps its own primary
    assert _kinds(links, "deals", 1001) == [(501, [341]), (503, [5, 341])]
    links.remove(1001, 501)
    assert links.count() == 1
