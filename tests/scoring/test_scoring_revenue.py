"""Section 2: contracts, ACV, TCV, ARR at any date, movement, GRR, NRR, churn."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import polars as pl
import pytest

from scoring import ScoringParams, arr_at, contract_values, core_kpis, prepare_opportunities

T = date(2026, 6, 30)


def prepared(portfolio):
    data = portfolio.inputs().conformed()
    return prepare_opportunities(data.opportunities, data.accounts, data.rates, ScoringParams()).frame


def arr_on(portfolio, day: date) -> float:
    frame = arr_at(prepared(portfolio), day)
    return frame.get_column("arr").sum() if frame.height else 0.0


def test_contract_of_36000_over_36_months_has_acv_12000_and_tcv_36000(portfolio):
    portfolio.contract("o1", "A", 36_000, date(2024, 1, 15), term=36)
    values = contract_values(prepared(portfolio)).row(0, named=True)
    assert values["acv"] == pytest.approx(12_000)
    assert values["tcv"] == pytest.approx(36_000)
    assert values["end_date"] == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("day", "arr"),
    [
        (date(2024, 1, 14), 0.0),
        (date(2024, 1, 15), 12_000.0),
        (date(2025, 7, 1), 12_000.0),
        (date(2027, 1, 14), 12_000.0),
        (date(2027, 1, 15), 0.0),
    ],
)
def test_arr_of_a_36_month_contract_is_12000_on_each_active_day_only(portfolio, day, arr):
    portfolio.contract("o1", "A", 36_000, date(2024, 1, 15), term=36)
    assert arr_on(portfolio, day) == pytest.approx(arr)


def test_contract_ending_exactly_at_t_is_not_active(portfolio, row_of):
    portfolio.contract("o1", "A", 1200, date(2025, 6, 30))  # ends 2026-06-30 = T
    assert row_of(portfolio.score(), "A")["arr"] == 0.0


def test_contract_starting_exactly_at_t_is_active(portfolio, row_of):
    portfolio.contract("o1", "A", 1200, T)
    row = row_of(portfolio.score(), "A")
    assert row["arr"] == pytest.approx(1200)
    assert row["mrr"] == pytest.approx(100)


def test_contract_starting_jan_31_for_one_month_ends_feb_29_in_a_leap_year(portfolio):
    portfolio.contract("o1", "A", 100, date(2024, 1, 31), term=1)
    assert arr_on(portfolio, date(2024, 2, 28)) == pytest.approx(1200)
    assert arr_on(portfolio, date(2024, 2, 29)) == 0.0


def test_non_recurring_won_opportunity_adds_to_tcv_never_to_arr(portfolio, row_of):
    portfolio.contract("fee", "A", 5000, date(2026, 1, 10), recurring=False)
    result = portfolio.score()
    assert row_of(result, "A")["arr"] == 0.0
    assert row_of(result, "A")["tcv_won_in_window"] == pytest.approx(5000)
    assert result.portfolio.tcv_won_in_window == pytest.approx(5000)


def test_start_date_defaults_to_close_date_and_term_to_12_months(portfolio):
    portfolio.contract("o1", "A", 2400, date(2025, 9, 1), start_date=None, term_months=None)
    values = contract_values(prepared(portfolio)).row(0, named=True)
    assert values["end_date"] == date(2026, 9, 1)
    assert values["acv"] == pytest.approx(2400)


def test_overlapping_contracts_add_up_in_arr(portfolio, row_of):
    portfolio.contract("o1", "A", 1000, date(2026, 1, 1)).contract("o2", "A", 500, date(2026, 3, 1), term=24)
    assert row_of(portfolio.score(), "A")["arr"] == pytest.approx(1000 + 250)


def movement_example(portfolio):
    """kpis.md: s = 100 (A) + 50 (B) + 0 (C); e = 120 (A) + 0 (B) + 30 (C)."""
    portfolio.contract("a1", "A", 100, date(2025, 1, 1)).contract("a2", "A", 120, date(2026, 1, 1))
    portfolio.contract("b1", "B", 50, date(2025, 3, 1))
    portfolio.contract("c1", "C", 30, date(2026, 2, 1))
    return portfolio.score()


def test_movement_worked_example(portfolio):
    kpis = movement_example(portfolio).portfolio
    assert (kpis.new, kpis.expansion, kpis.contraction, kpis.churn) == (30, 20, 0, 50)
    assert kpis.arr_at_start == 150
    assert kpis.grr == pytest.approx(0.667, abs=1e-3)
    assert kpis.nrr == pytest.approx(0.8)
    assert kpis.logo_churn_rate == pytest.approx(0.5)
    assert kpis.revenue_churn_rate == pytest.approx(1 - 100 / 150)


def test_movement_buckets_per_account(portfolio):
    accounts = movement_example(portfolio).accounts.sort("key")
    assert accounts.select("key", "arr_at_start", "arr", "movement", "movement_amount").rows() == [
        ("A", 100.0, 120.0, "expansion", 20.0),
        ("B", 50.0, 0.0, "churn", 50.0),
        ("C", 0.0, 30.0, "new", 30.0),
    ]


def test_account_with_same_arr_at_start_and_t_falls_in_no_bucket(portfolio, row_of):
    portfolio.contract("o1", "A", 1000, date(2025, 1, 1), term=36)
    row = row_of(portfolio.score(), "A")
    assert row["movement"] is None
    assert row["movement_amount"] == 0.0


def test_contraction_is_start_arr_minus_end_arr(portfolio):
    portfolio.contract("o1", "A", 900, date(2025, 1, 1)).contract("o2", "A", 600, date(2026, 1, 1))
    kpis = portfolio.score().portfolio
    assert kpis.contraction == pytest.approx(300)
    assert kpis.grr == pytest.approx(600 / 900)
    assert kpis.nrr == pytest.approx(600 / 900)


def test_grr_is_null_when_no_account_had_arr_at_start(portfolio):
    portfolio.contract("o1", "A", 1000, date(2026, 1, 1))
    kpis = portfolio.score().portfolio
    assert kpis.grr is None
    assert kpis.nrr is None
    assert kpis.logo_churn_rate is None
    assert kpis.revenue_churn_rate is None
    assert kpis.new == 1000


def test_arpa_divides_arr_by_accounts_with_arr(portfolio):
    portfolio.contract("o1", "A", 1000, date(2026, 1, 1)).contract("o2", "B", 3000, date(2026, 1, 1))
    portfolio.account("Prospect")
    kpis = portfolio.score().portfolio
    assert (kpis.arr, kpis.customers, kpis.accounts) == (4000, 2, 3)
    assert kpis.arpa == pytest.approx(2000)
    assert kpis.mrr == pytest.approx(4000 / 12)


def test_no_customers_gives_zero_arr_and_null_rates(portfolio):
    portfolio.account("A").opportunity("o1", "A", 500)
    kpis = portfolio.score().portfolio
    assert kpis.arr == 0
    assert kpis.customers == 0
    assert kpis.arpa is None
    assert kpis.cross_sell_rate is None
    assert kpis.portfolio_clv is None


def test_empty_portfolio_scores_without_error(portfolio):
    result = portfolio.score()
    assert result.accounts.height == 0
    assert result.portfolio.accounts == 0
    assert result.portfolio.win_rate_count is None
    assert result.stage_durations.height == 0


def test_arr_at_lists_accounts_with_contracts(portfolio):
    portfolio.contract("o1", "B", 100, date(2026, 1, 1)).contract("o2", "A", 200, date(2026, 1, 1))
    portfolio.opportunity("open", "C", 10)
    assert arr_at(prepared(portfolio), T).rows() == [("A", 200.0), ("B", 100.0)]
    assert arr_at(prepared(portfolio), T).schema == pl.Schema({"account_key": pl.String, "arr": pl.Float64})


def test_core_kpis_agree_with_the_full_scoring(portfolio):
    movement_example(portfolio)
    portfolio.lost("lost", "A", 80, date(2026, 2, 1))
    portfolio.opportunity("open", "B", 500, probability=0.2, currency="EUR")
    full = portfolio.score().portfolio
    core = core_kpis(portfolio.inputs(), as_of=T)
    assert asdict(core) == {name: getattr(full, name) for name in asdict(core)}
    assert (core.weighted_pipeline, core.win_rate_count) == (pytest.approx(110), pytest.approx(2 / 3))
