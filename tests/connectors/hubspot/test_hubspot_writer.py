"""Writing back: batch update and upsert in the fewest calls, 207 errors on the right records, whole-batch
refusals, and provisioning of the target properties."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.base import FieldSpec, RecordUpdate
from connectors.errors import ProvisioningError
from sandbox.hubspot.store import LIVE
from sandbox.server import Sandbox

BATCH_UPDATE = "/crm/v3/objects/companies/batch/update"


def _live(sb: Sandbox, n: int) -> list[str]:
    store = sb.hs_account.stores["companies"]
    return [str(store.ids[r]) for r in range(len(store.ids)) if store.state[r] == LIVE][:n]


def _stored(sb: Sandbox, company: str, name: str) -> str | None:
    return sb.admin("get", "hubspot", object="companies", id=company)["properties"].get(name)


def test_a_207_fails_exactly_the_refused_records_and_writes_the_rest(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    ids = _live(sb, 6)
    rejected, locked, gone = ids[1], ids[3], "6199999999"
    sb.admin("reject_writes", "hubspot", object="companies", ids=[rejected], message="Revenue is frozen this quarter")
    sb.admin("lock", "hubspot", object="companies", ids=[locked])
    updates = [RecordUpdate(i, {"annualrevenue": Decimal("1234.5")}) for i in [*ids, gone]]
    updates.append(RecordUpdate(ids[5], {"annualrevenue": "not a number"}))
    hs = connector(sb)
    [results] = list(hs.write("companies", updates))
    by_id = {r.record_id: r for r in results}
    assert [r.record_id for r in results] == [*ids, gone]
    assert (by_id[rejected].ok, by_id[rejected].code, by_id[rejected].message) == (
        False,
        "VALIDATION_ERROR",
        "Revenue is frozen this quarter",
    )
    assert (by_id[locked].ok, by_id[locked].code) == (False, "LOCKED")
    assert (by_id[gone].ok, by_id[gone].code) == (False, "OBJECT_NOT_FOUND")
    assert (by_id[ids[5]].ok, by_id[ids[5]].code) == (False, "VALIDATION_ERROR")
    assert [by_id[i].ok for i in (ids[0], ids[2], ids[4])] == [True, True, True]
    assert _stored(sb, ids[0], "annualrevenue") == "1234.5"
    assert _stored(sb, rejected, "annualrevenue") != "1234.5"
    assert hs.stats.by_operation["batch update companies"] == 1


def test_150_updates_take_two_calls(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox(accounts=400)
    ids = _live(sb, 150)
    assert len(ids) == 150
    hs = connector(sb)
    batches = list(hs.write("companies", [RecordUpdate(i, {"numberofemployees": 42}) for i in ids]))
    assert [len(b) for b in batches] == [100, 50]
    assert all(r.ok for b in batches for r in b)
    assert hs.stats.by_operation["batch update companies"] == 2
    assert _stored(sb, ids[149], "numberofemployees") == "42"


def test_upsert_by_the_salesforce_link_updates_or_creates(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    company = _live(sb, 1)[0]
    sb.admin("update", "hubspot", object="companies", id=company, fields={"salesforce_account_id": "001A0000001"})
    hs = connector(sb)
    updates = [RecordUpdate("001A0000001", {"name": "Known"}), RecordUpdate("001A0000002", {"name": "New"})]
    [results] = list(hs.write("companies", updates, id_property="salesforce_account_id"))
    assert [(r.record_id, r.ok) for r in results] == [("001A0000001", True), ("001A0000002", True)]
    assert _stored(sb, company, "name") == "Known"


def test_a_whole_batch_refused_for_one_value_is_split_until_the_rest_is_written(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    ids = _live(sb, 8)
    issues = '[{"isValid":false,"message":"x was not a valid number.","error":"INVALID_FLOAT","name":"annualrevenue"}]'
    sb.add_fault(crm="hubspot", kind="status", code=400, path=BATCH_UPDATE, count=1,
                 message=f"Property values were not valid: {issues}")  # fmt: skip
    hs = connector(sb)
    [results] = list(hs.write("companies", [RecordUpdate(i, {"numberofemployees": 7}) for i in ids]))
    assert all(r.ok for r in results)
    assert hs.stats.by_operation["batch update companies"] == 3


def test_a_missing_property_fails_the_batch_at_once(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    ids = _live(sb, 8)
    hs = connector(sb)
    [results] = list(hs.write("companies", [RecordUpdate(i, {"no_such_property": 1}) for i in ids]))
    assert {(r.ok, r.code) for r in results} == {(False, "VALIDATION_ERROR")}
    assert "no_such_property" in (results[0].message or "")
    assert hs.stats.by_operation["batch update companies"] == 1


def test_missing_properties_are_created_in_the_accountsync_group(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    hs = connector(sb)
    wanted = [
        FieldSpec("accountsync_score", "AccountSync score", "number"),
        FieldSpec("accountsync_reasons", "AccountSync reasons", "longtext"),
        FieldSpec("accountsync_tier", "AccountSync tier", "text"),
        FieldSpec("accountsync_renewal", "AccountSync renewal", "date"),
        FieldSpec("name", "Name", "text"),
    ]
    hs.create_fields("companies", wanted)
    fields = hs.describe("companies").fields
    assert {n: fields[n].type for n in ("accountsync_score", "accountsync_reasons", "accountsync_renewal")} == {
        "accountsync_score": "number",
        "accountsync_reasons": "string",
        "accountsync_renewal": "datetime",
    }
    schema = sb.hs_account.schemas["companies"]
    assert schema.get("accountsync_reasons").field_type == "textarea"
    assert schema.get("accountsync_score").group_name == "accountsync"
    calls = dict(hs.stats.by_operation)
    hs.create_fields("companies", wanted)  # nothing left to create: one read, no writes
    assert hs.stats.by_operation["list companies properties"] == calls["list companies properties"] + 1
    assert sum(n for op, n in hs.stats.by_operation.items() if op.startswith("create")) == 5
    [results] = list(hs.write("companies", [RecordUpdate(_live(sb, 1)[0], {"accountsync_score": Decimal("87.5")})]))
    assert results[0].ok


def test_an_incompatible_existing_property_is_refused_and_nothing_is_created(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    hs = connector(sb)
    wanted = [FieldSpec("accountsync_fresh", "Fresh", "number"), FieldSpec("industry", "Industry", "number")]
    with pytest.raises(ProvisioningError) as refused:
        hs.create_fields("companies", wanted)
    message = str(refused.value)
    assert "`industry`" in message
    assert "`enumeration`" in message
    assert "`number`" in message
    assert "accountsync_fresh" not in hs.describe("companies").fields


def test_fetch_reads_back_current_values_and_leaves_out_missing_records(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    kept, archived = _live(sb, 2)
    sb.admin("delete", "hubspot", object="companies", ids=[archived])
    hs = connector(sb)
    list(hs.write("companies", [RecordUpdate(kept, {"annualrevenue": Decimal("99.5")})]))
    found = hs.fetch("companies", [kept, archived, "6199999999"], ["annualrevenue", "name"])
    assert list(found) == [kept]
    assert found[kept]["annualrevenue"] == Decimal("99.5")
    assert found[kept]["name"]
    assert hs.fetch("companies", [], ["name"]) == {}
