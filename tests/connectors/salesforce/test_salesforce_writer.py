"""Writes against the sandbox: collections of 200 with per-record failures, upsert, Bulk ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.base import RecordUpdate, WriteResult
from connectors.salesforce import SalesforceConnector, connect

from .conftest import FAST_RETRY, SfConn, make_accounts

SF = "salesforce"


def _accounts(sandbox: Any, n: int, prefix: str) -> list[str]:
    now = datetime.now(UTC)
    return make_accounts(sandbox, [now - timedelta(days=1, seconds=i) for i in range(n)], prefix)


def _flatten(batches: list[list[WriteResult]]) -> list[WriteResult]:
    return [r for batch in batches for r in batch]


def test_a_batch_with_rejected_locked_and_deleted_records_writes_the_rest(
    sandbox: Any, sf: SalesforceConnector
) -> None:
    ids = _accounts(sandbox, 450, "Writer")
    rejected, locked, deleted = ids[10], ids[250], ids[449]
    sandbox.admin("reject_writes", SF, object="Account", ids=[rejected])
    sandbox.admin("lock", SF, object="Account", ids=[locked])
    sandbox.admin("delete", SF, object="Account", ids=[deleted])
    updates = [RecordUpdate(i, {"Website": f"https://w{n}.example", "AnnualRevenue": Decimal("12.5")})
               for n, i in enumerate(ids)]  # fmt: skip
    try:
        calls = sf.quota().calls
        batches = list(sf.write("Account", updates))
    finally:
        sandbox.admin("stop_rejecting", SF, object="Account")
        sandbox.admin("unlock", SF, object="Account")
    assert [len(b) for b in batches] == [200, 200, 50]
    assert sf.quota().calls - calls == 3  # one call per 200 records: fewer is impossible, more a bug
    results = _flatten(batches)
    assert [r.record_id for r in results] == ids
    failed = {r.record_id: r.code for r in results if not r.ok}
    assert failed == {
        rejected: "FIELD_CUSTOM_VALIDATION_EXCEPTION", locked: "UNABLE_TO_LOCK_ROW", deleted: "ENTITY_IS_DELETED",
    }  # fmt: skip
    assert all(r.message for r in results if not r.ok)
    assert sandbox.admin("get", SF, object="Account", id=ids[0])["Website"] == "https://w0.example"
    assert sandbox.admin("get", SF, object="Account", id=rejected)["Website"] is None


def test_upsert_by_external_id_creates_and_updates(sandbox: Any, sf: SalesforceConnector) -> None:
    [existing] = _accounts(sandbox, 1, "Upsert")
    sandbox.admin("update", SF, object="Account", id=existing, fields={"HubSpot_Company_Id__c": "hs-upsert-1"})
    updates = [RecordUpdate("hs-upsert-1", {"Name": "Renamed"}), RecordUpdate("hs-upsert-2", {"Name": "Brand new"})]
    [results] = list(sf.upsert("Account", "HubSpot_Company_Id__c", updates))
    assert [(r.record_id, r.ok) for r in results] == [("hs-upsert-1", True), ("hs-upsert-2", True)]
    assert sandbox.admin("get", SF, object="Account", id=existing)["Name"] == "Renamed"


def test_a_large_write_goes_through_bulk_ingest_with_per_record_results(sandbox: Any, sf_conn: SfConn) -> None:
    ids = _accounts(sandbox, 12, "Ingest")
    sandbox.admin("lock", SF, object="Account", ids=[ids[3]])
    connector = connect("sandbox-sf", sf_conn(), write_bulk_threshold=5, retry=FAST_RETRY)
    updates = [RecordUpdate(i, {"Website": f"https://bulk{n}.example", "NumberOfEmployees": n})
               for n, i in enumerate(ids)]  # fmt: skip
    try:
        [results] = list(connector.write("Account", updates))
    finally:
        sandbox.admin("unlock", SF, object="Account")
        connector.close()
    assert [r.record_id for r in results] == ids
    assert [r.ok for r in results] == [n != 3 for n in range(12)]
    assert results[3].code == "UNABLE_TO_LOCK_ROW"
    assert sandbox.admin("get", SF, object="Account", id=ids[11])["NumberOfEmployees"] == 11


def test_bulk_failure_rows_keep_code_message_and_fields() -> None:
    from connectors.salesforce.ingest import csv_body, failed_result

    result = failed_result("001A", "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --")
    assert (result.code, result.message, result.fields) == (
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ("Name",),
    )  # fmt: skip
    body, header = csv_body("Id", [RecordUpdate("001A", {"Score__c": None}), RecordUpdate("001B", {"Tier__c": "A"})])
    assert header == ["Id", "Score__c", "Tier__c"]
    assert body == "Id,Score__c,Tier__c\n001A,#N/A,\n001B,,A\n"  # #N/A clears a field, empty leaves it


def test_fetch_reads_back_current_values_and_leaves_out_deleted_records(sandbox: Any, sf: SalesforceConnector) -> None:
    kept, gone = _accounts(sandbox, 2, "Fetched")
    [results] = list(sf.write("Account", [RecordUpdate(kept, {"AnnualRevenue": Decimal("1250000.5")})]))
    assert results[0].ok
    sandbox.admin("delete", SF, object="Account", ids=[gone])
    sf.describe("Account")
    calls = sf.quota().calls
    found = sf.fetch("Account", [kept, gone], ["AnnualRevenue", "Name", "NoSuchField__c"])
    assert sf.quota().calls - calls == 1
    assert list(found) == [kept]
    assert found[kept]["AnnualRevenue"] == Decimal("1250000.5")
    assert found[kept]["Name"].startswith("Fetched")
    assert "NoSuchField__c" not in found[kept]
