"""End to end: bad data skips one record (with its id and reason) and schema drift fails one field; the rest
of the page, and everything stored before, stays."""

from __future__ import annotations

from sqlmodel import col, select

from sync import Quarantine, SourceAccount, session

from .conftest_e2e import HS, SF, differences, hs_truth, sf_ids, sf_truth, store_view


def first_live(e2e, obj: str) -> str:
    truth = sf_truth(e2e.sandbox, obj)
    return next(i for i, r in sorted(truth.items()) if not r["deleted"])


def test_a_record_with_an_amount_out_of_range_is_skipped_with_its_id_and_the_rest_of_its_page_stored(make_e2e) -> None:
    e2e = make_e2e(sf=["Opportunity"], hs=["deals"])
    opportunity = first_live(e2e, "Opportunity")
    deal = next(i for i, r in sorted(hs_truth(e2e.sandbox, "deals").items()) if not r["deleted"])
    e2e.sandbox.admin("update", SF, object="Opportunity", id=opportunity, fields={"Amount": 1e300})
    e2e.sandbox.admin("update", HS, object="deals", id=deal, fields={"amount": "1e999"})

    summary = e2e.sync()

    assert summary.status == "partial"
    skipped = {e["record_id"]: e for e in summary.errors if e["kind"] == "skipped_record"}
    assert set(skipped) == {opportunity, deal}
    assert "Amount" in skipped[opportunity]["message"]
    assert "amount" in skipped[deal]["message"]
    assert summary.streams["salesforce.Opportunity"]["skipped"] == 1
    sf_rest = {i: r for i, r in sf_truth(e2e.sandbox, "Opportunity").items() if i != opportunity}
    hs_rest = {i: r for i, r in hs_truth(e2e.sandbox, "deals").items() if i != deal}
    assert differences(sf_rest, store_view(e2e.engine, "Opportunity", SF)) == {}
    assert opportunity not in store_view(e2e.engine, "Opportunity", SF)
    assert deal not in store_view(e2e.engine, "deals", HS)
    assert differences(hs_rest, store_view(e2e.engine, "deals", HS)) == {}
    with session(e2e.engine) as s:
        held = {q.source_id: q.reason for q in s.exec(select(Quarantine)).all()}
    assert set(held) == {opportunity, deal}
    assert all(a["agrees"] for a in summary.audits), "a skipped record is accounted for, not a gap"

    e2e.sandbox.admin("update", SF, object="Opportunity", id=opportunity, fields={"Amount": 1200.5})
    e2e.sandbox.admin("update", HS, object="deals", id=deal, fields={"amount": "3400"})
    again = e2e.sync()
    assert again.status == "succeeded", again.errors
    assert (
        store_view(e2e.engine, "Opportunity", SF)[opportunity]["amount"]
        == sf_truth(e2e.sandbox, "Opportunity")[opportunity]["amount"]
    )
    assert differences(hs_truth(e2e.sandbox, "deals"), store_view(e2e.engine, "deals", HS)) == {}
    with session(e2e.engine) as s:
        assert s.exec(select(Quarantine)).all() == []


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
