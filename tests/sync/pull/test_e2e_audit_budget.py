"""End to end: the reconciliation audit repairs a gap made behind the engine's back; a job over its API budget
stops checkpointed, says how many calls it used, and the next run finishes the job."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col

from sync import Opportunity, SourceAccount, session
from sync.runs.api_usage import spent_today
from sync.runs.stats import run_stats
from tests.sync.conftest_e2e import HS, JOB, SF, differences, hs_truth, sf_truth, store_view


def test_the_audit_finds_a_row_deleted_behind_the_engines_back_and_the_repair_restores_it(make_e2e) -> None:
    e2e = make_e2e(sf=["Opportunity"], hs=["companies"])
    e2e.sync()
    opportunity = next(i for i, r in sorted(sf_truth(e2e.sandbox, "Opportunity").items()) if not r["deleted"])
    company = next(i for i, r in sorted(hs_truth(e2e.sandbox, "companies").items()) if not r["deleted"])
    with session(e2e.engine) as s, s.begin():
        s.execute(delete(Opportunity).where(col(Opportunity.source_id) == opportunity))
        s.execute(delete(SourceAccount).where(col(SourceAccount.source_id) == company))

    summary = e2e.sync()

    assert summary.status == "partial", "a disagreement is reported on the run"
    reported = {e["stream"] for e in summary.errors if e["kind"] == "reconciliation"}
    assert reported == {"salesforce.Opportunity", "hubspot.companies"}
    repaired = {a["stream"]: a for a in summary.audits if "repaired_from" in a}
    assert set(repaired) == {"Opportunity", "companies"}
    for audit in repaired.values():
        assert audit["repaired_from"]["store"] == audit["repaired_from"]["crm"] - 1
        assert audit["agrees"]
    assert differences(sf_truth(e2e.sandbox, "Opportunity"), store_view(e2e.engine, "Opportunity", SF)) == {}
    assert differences(hs_truth(e2e.sandbox, "companies"), store_view(e2e.engine, "companies", HS)) == {}
    assert e2e.sync().status == "succeeded", "repaired: the next audit agrees"


def test_a_job_past_its_budget_share_stops_checkpointed_and_the_next_run_completes(make_e2e) -> None:
    """Sources one after another: Salesforce stops the run at its share before HubSpot is read."""
    e2e = _over_budget(make_e2e, sources_side_by_side=False)

    stopped = e2e.sync()

    assert stopped.status == "stopped_for_budget"
    assert stopped.api_calls[SF] == 10
    assert "10" in (stopped.message or ""), stopped.message
    assert [name for name, s in stopped.streams.items() if s["done"]] != list(stopped.streams), "stopped mid-job"
    e2e.sandbox.admin("set_quota", SF, used=0, max=100_000)

    second = e2e.sync()

    assert second.status == "stopped_for_budget", "Salesforce done, HubSpot stops at its own share"
    assert second.api_calls[HS] == 4
    assert "4" in (second.message or ""), second.message
    assert all(s["done"] for name, s in second.streams.items() if name.startswith(SF))
    e2e.sandbox.admin("set_limits", HS, daily=1_000_000)

    last = e2e.sync()

    assert last.status == "succeeded", (last.message, last.errors)
    _store_matches_the_crms(e2e)


def test_sources_read_side_by_side_each_stop_at_their_own_share_and_the_next_runs_complete(make_e2e) -> None:
    """The default: both CRMs are read at once, so each spends its own share in the first run."""
    e2e = _over_budget(make_e2e)

    stopped = e2e.sync()

    assert stopped.status == "stopped_for_budget"
    assert (stopped.api_calls[SF], stopped.api_calls[HS]) == (10, 4), "each CRM read up to its own share"
    assert "10" in (stopped.message or ""), "the first source's stop is the run's message"
    [hubspot_stop] = [e for e in stopped.errors if e["kind"] == "connector" and "hubspot" in e["message"]]
    assert "4" in hubspot_stop["message"], "HubSpot's own stop is listed on the run"
    assert not all(s["done"] for s in stopped.streams.values()), "stopped mid-job"
    e2e.sandbox.admin("set_quota", SF, used=0, max=100_000)

    second = e2e.sync()

    assert second.status == "stopped_for_budget", "Salesforce done; HubSpot's share of the day is spent"
    assert all(s["done"] for name, s in second.streams.items() if name.startswith(SF))
    e2e.sandbox.admin("set_limits", HS, daily=1_000_000)

    last = e2e.sync()

    assert last.status == "succeeded", (last.message, last.errors)
    _store_matches_the_crms(e2e)


def _over_budget(make_e2e, **job: object):
    """Four objects of Salesforce and HubSpot companies, the job allowed 10 % of a small daily quota each."""
    e2e = make_e2e(sf=["Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem"], hs=["companies"],
                   api_budget_share=0.1, **job)  # fmt: skip
    e2e.sandbox.admin("set_quota", SF, used=0, max=100)  # a share of 0.1: ten Salesforce calls for this job
    e2e.sandbox.admin("set_limits", HS, daily=40)  # four HubSpot calls
    return e2e


def _store_matches_the_crms(e2e) -> None:
    for obj in ("Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem"):
        assert differences(sf_truth(e2e.sandbox, obj), store_view(e2e.engine, obj, SF)) == {}, obj
    assert differences(hs_truth(e2e.sandbox, "companies"), store_view(e2e.engine, "companies", HS)) == {}


def test_each_run_records_the_quota_left_each_crm_reported_for_the_metrics(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])
    e2e.sandbox.admin("set_quota", SF, used=0, max=50_000)
    e2e.sandbox.admin("set_limits", HS, daily=40_000)
    e2e.sandbox.admin("set_daily", HS, remaining=40_000)

    summary = e2e.sync()

    left = run_stats(e2e.engine).quota_left
    assert set(left) == {SF, HS}
    assert 50_000 - summary.api_calls[SF] <= left[SF] < 50_000, "Sforce-Limit-Info counts this run's calls"
    assert 40_000 - summary.api_calls[HS] <= left[HS] < 40_000, "X-HubSpot-RateLimit-Daily-Remaining"


def test_the_repair_reads_again_only_the_windows_whose_counts_differ(make_e2e) -> None:
    e2e = make_e2e(accounts=1500, sf=["Opportunity"], hs=["companies"])
    e2e.sync()
    served = e2e.sandbox.stats()["records"]
    e2e.sync()  # what an incremental run with nothing to repair costs
    baseline = {crm: n - served.get(crm, 0) for crm, n in e2e.sandbox.stats()["records"].items()}
    opportunities = sorted(i for i, r in sf_truth(e2e.sandbox, "Opportunity").items() if not r["deleted"])
    companies = sorted(i for i, r in hs_truth(e2e.sandbox, "companies").items() if not r["deleted"])
    with session(e2e.engine) as s, s.begin():  # one record of each stream lost behind the engine's back
        s.execute(delete(Opportunity).where(col(Opportunity.source_id) == opportunities[len(opportunities) // 2]))
        s.execute(delete(SourceAccount).where(col(SourceAccount.source_id) == companies[len(companies) // 3]))
    before = e2e.sandbox.stats()["records"]

    summary = e2e.sync()

    read = {crm: n - before.get(crm, 0) - baseline.get(crm, 0) for crm, n in e2e.sandbox.stats()["records"].items()}
    repaired = {a["stream"]: a for a in summary.audits if "repaired_from" in a}
    assert {name: a["repair"] for name, a in repaired.items()} == {"Opportunity": "windows", "companies": "windows"}
    assert all(a["agrees"] for a in repaired.values())
    # Beyond what an incremental run costs, the sandbox served a fraction of each stream, not the whole of it
    # again (a full re-read serves every record).
    assert read["salesforce"] < len(opportunities) / 2, (read, len(opportunities))
    assert read["hubspot"] < len(companies) / 2, (read, len(companies))
    assert differences(sf_truth(e2e.sandbox, "Opportunity"), store_view(e2e.engine, "Opportunity", SF)) == {}
    assert differences(hs_truth(e2e.sandbox, "companies"), store_view(e2e.engine, "companies", HS)) == {}


def test_two_runs_in_one_day_share_the_jobs_daily_budget(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"], api_budget_share=0.1)
    e2e.sandbox.admin("set_quota", SF, used=0, max=10_000)  # plenty for the first run
    e2e.sandbox.admin("set_limits", HS, daily=1_000_000)
    first = e2e.sync()
    assert first.status == "succeeded"
    spent = first.api_calls[SF]
    assert spent_today(e2e.engine, job=JOB, connection=SF) == spent
    # The org's quota shrinks so that the job's share of the day is two calls more than it already spent.
    e2e.sandbox.admin("set_quota", SF, used=0, max=(spent + 2) * 10)

    second = e2e.sync()

    assert second.status == "stopped_for_budget", "a run's budget starts from what the day's earlier runs spent"
    assert second.api_calls[SF] == 2
    assert f"{spent + 2} calls used of {spent + 2} allowed" in (second.message or ""), second.message
    assert spent_today(e2e.engine, job=JOB, connection=SF) == spent + 2
