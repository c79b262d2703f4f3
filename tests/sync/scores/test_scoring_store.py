"""Scoring from the store: frames read from the synced store, scores and history stored, reasons kept."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from sync import AccountScore, ScoringRun, session
from sync.jobs import run_sync
from sync.scores.scoring import score_store
from tests.fakes import T0, sf_account, sf_opportunity


def _portfolio(crms) -> None:
    for i in range(6):
        crms["sf"].put("Account", sf_account(i, T0 + timedelta(minutes=i), Industry="Software" if i % 2 else "Retail"))
    # account 0: a 36-month contract of 36,000 won in January 2026; account 1: churned (12 months from 2025-01-01)
    crms["sf"].put("Opportunity", sf_opportunity(0, 0, T0, Amount="36000", Term_Months__c=36, CloseDate="2026-01-15"))
    crms["sf"].put("Opportunity", sf_opportunity(1, 1, T0, Amount="10000", CloseDate="2025-01-01"))
    open_deal = {"Amount": "5000", "IsClosed": False, "IsWon": False, "StageName": "Proposal", "Probability": 50}
    crms["sf"].put("Opportunity", sf_opportunity(2, 2, T0, CloseDate="2026-12-01", **open_deal))
    crms["sf"].put("Opportunity", sf_opportunity(3, 3, T0, Amount="900", CurrencyIsoCode="XYZ"))


def test_scores_are_computed_from_the_store_and_kept_with_history(deployment, store, crms, factory) -> None:
    _portfolio(crms)
    run_sync(deployment, "nightly", engine=store, factory=factory)
    first = score_store(store, deployment, as_of=date(2026, 11, 1))
    accounts = first.result.accounts
    arr = dict(zip(accounts["key"].to_list(), accounts["arr"].to_list(), strict=True))
    assert arr[f"sf:{sf_account(0, T0)['Id']}"] == 12_000.0  # ACV of 36,000 over 36 months
    assert arr[f"sf:{sf_account(1, T0)['Id']}"] == 0.0  # its contract ended 2026-01-01
    assert first.result.portfolio.arr == 12_000.0
    codes = {w.code for w in first.result.warning_records()}
    assert any("rate" in code for code in codes)  # the XYZ opportunity: no rate, warned, never counted at 1.0
    second = score_store(store, deployment, as_of=date(2026, 11, 2))
    with session(store) as s:
        runs = s.exec(select(ScoringRun).order_by(col(ScoringRun.id))).all()
        rows = s.exec(select(AccountScore).where(AccountScore.scoring_run_id == second.scoring_run_id)).all()
    assert [r.as_of for r in runs] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert len(rows) == 6
    assert sorted(r.rank for r in rows if r.rank is not None) == list(range(1, 7))
    top = min(rows, key=lambda r: r.rank or 99)
    assert top.reasons
    assert top.figures is not None
    assert "arr" in top.figures
