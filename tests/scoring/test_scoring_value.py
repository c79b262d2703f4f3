"""Section 3: CLV of an account and of the portfolio, share of wallet, headroom."""

from __future__ import annotations

from datetime import date

import pytest

from scoring import ScoringParams, ValueParams, WarningCode


def retained_and_churned(portfolio):
    """A keeps 1000 of ARR through the window, B churns: logo churn 1/2, lifetime 2 years."""
    portfolio.contract("a1", "A", 3000, date(2025, 1, 1), term=36)
    portfolio.contract("b1", "B", 400, date(2025, 3, 1))
    return portfolio


def test_clv_is_arr_times_gross_margin_times_one_over_logo_churn(portfolio, row_of):
    result = retained_and_churned(portfolio).score()
    assert result.portfolio.expected_lifetime_years == pytest.approx(2)
    assert row_of(result, "A")["clv"] == pytest.approx(1000 * 0.8 * 2)


def test_account_with_no_arr_at_t_has_clv_0(portfolio, row_of):
    assert row_of(retained_and_churned(portfolio).score(), "B")["clv"] == 0


def test_portfolio_clv_uses_arpa_in_place_of_account_arr(portfolio):
    retained_and_churned(portfolio).contract("c1", "C", 3000, date(2026, 1, 1))
    kpis = portfolio.score().portfolio
    assert kpis.arpa == pytest.approx(2000)
    assert kpis.portfolio_clv == pytest.approx(2000 * 0.8 * 2)


def test_lifetime_is_capped_at_max_lifetime_years(portfolio, row_of):
    params = ScoringParams(value=ValueParams(max_lifetime_years=1.5, gross_margin=0.5))
    result = retained_and_churned(portfolio).score(params=params)
    assert result.portfolio.expected_lifetime_years == 1.5
    assert row_of(result, "A")["clv"] == pytest.approx(1000 * 0.5 * 1.5)


def test_clv_uses_the_cap_when_the_logo_churn_rate_is_0(portfolio, row_of):
    portfolio.contract("a1", "A", 3000, date(2025, 1, 1), term=36)
    result = portfolio.score()
    assert result.portfolio.logo_churn_rate == 0
    assert row_of(result, "A")["clv"] == pytest.approx(1000 * 0.8 * 10)


def test_clv_is_null_for_every_account_when_no_account_had_arr_at_start(portfolio, row_of):
    portfolio.contract("a1", "A", 1000, date(2026, 1, 1)).account("B")
    result = portfolio.score()
    assert row_of(result, "A")["clv"] is None
    assert row_of(result, "B")["clv"] is None
    assert result.portfolio.portfolio_clv is None


def test_share_of_wallet_is_clipped_to_1_and_headroom_to_0(portfolio, row_of):
    portfolio.account("A", wallet_estimate=500.0).contract("a1", "A", 1000, date(2026, 1, 1))
    row = row_of(portfolio.score(), "A")
    assert (row["share_of_wallet"], row["headroom"]) == (1.0, 0.0)


def test_wallet_estimate_0_wins_over_industry_ratio(portfolio, row_of):
    portfolio.account("A", wallet_estimate=0.0, industry="Retail", annual_revenue=1e6)
    params = ScoringParams(value=ValueParams(wallet_ratio={"Retail": 0.1}))
    row = row_of(portfolio.score(params=params), "A")
    assert row["wallet"] == 0
    assert row["share_of_wallet"] is None
    assert row["headroom"] == 0


def test_wallet_falls_back_to_annual_revenue_times_industry_ratio(portfolio, row_of):
    portfolio.account("A", industry="Manufacturing", annual_revenue=1e6)
    portfolio.contract("a1", "A", 5000, date(2026, 1, 1))
    params = ScoringParams(value=ValueParams(wallet_ratio={"manufacturing": 0.02}))
    row = row_of(portfolio.score(params=params), "A")
    assert row["wallet"] == pytest.approx(20_000)
    assert row["share_of_wallet"] == pytest.approx(0.25)
    assert row["headroom"] == pytest.approx(15_000)


def test_unknown_wallet_leaves_share_and_headroom_null_and_is_warned(portfolio, row_of):
    portfolio.account("A", industry="Mining", annual_revenue=1e6)
    result = portfolio.score(params=ScoringParams(value=ValueParams(wallet_ratio={"Retail": 0.1})))
    row = row_of(result, "A")
    assert (row["wallet"], row["share_of_wallet"], row["headroom"]) == (None, None, None)
    assert result.warnings.select("code", "account_key").rows() == [(WarningCode.UNKNOWN_WALLET.value, "A")]


def test_account_without_owner_is_warned(portfolio):
    portfolio.account("A", owner="  ", wallet_estimate=1.0).account("B", wallet_estimate=1.0)
    result = portfolio.score()
    assert [(w.code, w.account_key) for w in result.warning_records()] == [(WarningCode.MISSING_OWNER, "A")]
