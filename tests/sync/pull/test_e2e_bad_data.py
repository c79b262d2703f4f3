"""End to end: a value that cannot be stored empties that field (with a warning) and keeps the record; schema
drift fails one field; the rest of the page, and everything stored before, stays."""

from __future__ import annotations

from sqlmodel import col, select

from sync import Quarantine, SourceAccount, SyncRun, session
from tests.sync.conftest_e2e import HS, SF, differences, hs_truth, sf_ids, sf_truth, store_view


def first_live(e2e, obj: str) -> str:
    truth = sf_truth(e2e.sandbox, obj)
    return next(i for i, r in sorted(truth.items()) if not r["deleted"])


def test_an_amount_out_of_range_is_stored_empty_with_a_warning_and_the_record_kept(make_e2e) -> None:
    e2e = make_e2e(sf=["Opportunity"], hs=["deals"])
    opportunity = first_live(e2e, "Opportunity")
    deal = next(i for i, r in sorted(hs_truth(e2e.sandbox, "deals").items()) if not r["deleted"])
    e2e.sandbox.admin("update", SF, object="Opportunity", id=opportunity, fields={"Amount": 1e300})
    e2e.sandbox.admin("update", HS, object="deals", id=deal, fields={"amount": "1e999"})

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors  # a field stored empty is a warning, not an error
    assert [e for e in summary.errors if e["kind"] == "skipped_record"] == []
    with session(e2e.engine) as s:
        run = s.get(SyncRun, summary.run_id)
        assert run is not None
        warned = {(w["record_id"], w["field"]) for w in (run.counts or {})["extra"]["warnings"]}
        assert s.exec(select(Quarantine)).all() == []
    assert warned == {(opportunity, "Amount"), (deal, "amount")}
    sf_stored, hs_stored = store_view(e2e.engine, "Opportunity", SF), store_view(e2e.engine, "deals", HS)
    assert (sf_stored[opportunity]["amount"], hs_stored[deal]["amount"]) == (None, None)
    sf_rest = {i: r for i, r in sf_truth(e2e.sandbox, "Opportunity").items() if i != opportunity}
    hs_rest = {i: r for i, r in hs_truth(e2e.sandbox, "deals").items() if i != deal}
    assert differences(sf_rest, {i: r for i, r in sf_stored.items() if i != opportunity}) == {}
    assert differences(hs_rest, {i: r for i, r in hs_stored.items() if i != deal}) == {}
    assert all(a["agrees"] for a in summary.audits), "the records are kept: the counts agree"

    e2e.sandbox.admin("update", SF, object="Opportunity", id=opportunity, fields={"Amount": 1200.5})
    e2e.sandbox.admin("update", HS, object="deals", id=deal, fields={"amount": "3400"})
    again = e2e.sync()
    assert again.status == "succeeded", again.errors
    assert differences(sf_truth(e2e.sandbox, "Opportunity"), store_view(e2e.engine, "Opportunity", SF)) == {}
    assert differences(hs_truth(e2e.sandbox, "deals"), store_view(e2e.engine, "deals", HS)) == {}


def test_a_salesforce_field_removed_mid_life_fails_that_field_only_and_deletes_nothing(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=None)
    e2e.sync()
    before = store_view(e2e.engine, "Account", SF)
    account = first_live(e2e, "Account")
    e2e.sandbox.admin("remove_field", SF, object="Account", field="Industry")
    e2e.sandbox.admin("update", SF, object="Account", id=account, fields={"NumberOfEmployees": 4321})

    summary = e2e.sync()

    assert summary.status == "partial"
    drift = [e for e in summary.errors if e["kind"] == "field_error"]
    assert [(e["stream"], e["field"]) for e in drift] == [("salesforce.Account", "Industry")]
    after = store_view(e2e.engine, "Account", SF)
    assert after[account]["employees"] == 4321
    assert after[account]["industry"] == before[account]["industry"], "a value stored before is kept"
    assert set(after) == set(before)
    assert [i for i in after if after[i]["deleted"] != before[i]["deleted"]] == []
    assert len(sf_ids(e2e.sandbox, "Account")) == len(after)


def test_a_hubspot_property_removed_mid_life_fails_that_property_only_and_deletes_nothing(make_e2e) -> None:
    e2e = make_e2e(sf=None, hs=["companies"])
    e2e.sync()
    before = store_view(e2e.engine, "companies", HS)
    company = next(i for i, r in sorted(hs_truth(e2e.sandbox, "companies").items()) if not r["deleted"])
    e2e.sandbox.admin("remove_field", HS, object="companies", field="industry")
    e2e.sandbox.admin("update", HS, object="companies", id=company, fields={"numberofemployees": "777"})

    summary = e2e.sync()

    assert summary.status == "partial"
    drift = [(e["stream"], e["field"]) for e in summary.errors if e["kind"] == "field_error"]
    assert drift == [("hubspot.companies", "industry")]
    after = store_view(e2e.engine, "companies", HS)
    assert after[company]["employees"] == 777
    assert after[company]["industry"] == before[company]["industry"], "a value stored before is kept"
    assert set(after) == set(before)
    with session(e2e.engine) as s:
        deleted = s.exec(select(SourceAccount).where(col(SourceAccount.deleted_at).is_not(None))).all()
    assert {r.source_id for r in deleted} == {i for i, v in before.items() if v["deleted"]}
