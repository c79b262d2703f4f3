"""End to end through the sandbox: a first full sync stores both CRMs id by id and value by value."""

from __future__ import annotations

import pytest

from tests.sync.conftest_e2e import HS, SF, differences, duplicates, hs_truth, sf_truth, store_view

SF_STREAMS = ("Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem")


@pytest.fixture
def first_sync(make_e2e):
    e2e = make_e2e(accounts=100, seed=37)
    return e2e, e2e.sync()


def test_a_first_sync_stores_every_salesforce_record_soft_deleted_ones_marked(first_sync) -> None:
    e2e, _ = first_sync
    truths = {obj: sf_truth(e2e.sandbox, obj) for obj in SF_STREAMS}
    found = {obj: differences(truths[obj], store_view(e2e.engine, obj, SF)) for obj in SF_STREAMS}
    assert found == {obj: {} for obj in SF_STREAMS}
    assert duplicates(e2e.engine) == {}
    for obj in ("Account", "Opportunity"):
        assert any(r["deleted"] for r in truths[obj].values()), f"the world should hold soft-deleted {obj}s"


def test_a_first_sync_stores_every_hubspot_record_archived_ones_marked(first_sync) -> None:
    e2e, _ = first_sync
    truths = {obj: hs_truth(e2e.sandbox, obj) for obj in ("companies", "deals")}
    assert {obj: differences(truth, store_view(e2e.engine, obj, HS)) for obj, truth in truths.items()} == {
        "companies": {},
        "deals": {},
    }
    for obj, truth in truths.items():
        assert any(r["deleted"] for r in truth.values()), f"the world should hold archived {obj}"


def test_a_first_sync_succeeds_with_every_audit_agreeing_and_no_repair(first_sync) -> None:
    _, summary = first_sync
    assert [a for a in summary.audits if not a["agrees"] or "repaired_from" in a] == []
    assert len(summary.audits) == 4
    assert summary.errors == []
    assert summary.status == "succeeded", summary.message
