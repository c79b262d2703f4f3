"""Sections 6 and 8: utilisation, usage trend, renewal proximity, engagement recency, weighted health."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from scoring import HealthParams, ScoringParams, health_expr

MONTHS = [date(2026, month, 1) for month in range(1, 7)]


def customer(portfolio, **fields):
    """A: a customer whose one contract ends 90 days after T (renewal proximity 50)."""
    return portfolio.contract("a1", "A", 1200, date(2025, 9, 28), **fields)


def test_utilisation_uses_the_latest_month_at_or_before_t(portfolio, row_of):
    customer(portfolio).usage("A", date(2026, 5, 1), 30, 40).usage("A", date(2026, 6, 1), 45, 50)
    portfolio.usage("A", date(2026, 7, 1), 1, 100)
    assert row_of(portfolio.score(), "A")["utilisation"] == pytest.approx(90)


def test_usage_rows_of_one_month_add_up_and_utilisation_is_clipped_to_100(portfolio, row_of):
    customer(portfolio).usage("A", date(2026, 6, 1), 30, 10).usage("A", date(2026, 6, 15), 30, 10)
    assert row_of(portfolio.score(), "A")["utilisation"] == 100


@pytest.mark.parametrize("seats", [0, None])
def test_utilisation_is_unknown_when_licensed_seats_are_0_or_missing(portfolio, row_of, seats):
    customer(portfolio).usage("A", date(2026, 6, 1), 30, seats)
    assert row_of(portfolio.score(), "A")["utilisation"] is None


@pytest.mark.parametrize(("recent", "score"), [(150, 100.0), (125, 75.0), (100, 50.0), (80, 30.0), (40, 0.0)])
def test_usage_trend_is_linear_from_minus_50_to_plus_50_percent(portfolio, row_of, recent, score):
    customer(portfolio)
    for month in MONTHS[:3]:
        portfolio.usage("A", month, 100, 1000)
    for month in MONTHS[3:]:
        portfolio.usage("A", month, recent, 1000)
    assert row_of(portfolio.score(), "A")["usage_trend"] == pytest.approx(score)


def test_usage_trend_means_are_over_the_months_present(portfolio, row_of):
    customer(portfolio).usage("A", MONTHS[0], 100, 10).usage("A", MONTHS[5], 120, 10)
    assert row_of(portfolio.score(), "A")["usage_trend"] == pytest.approx(70)


@pytest.mark.parametrize("earlier", [0, None])
def test_usage_trend_is_unknown_when_the_earlier_mean_is_0_or_absent(portfolio, row_of, earlier):
    customer(portfolio).usage("A", MONTHS[5], 100, 10)
    if earlier is not None:
        portfolio.usage("A", MONTHS[1], earlier, 10)
    assert row_of(portfolio.score(), "A")["usage_trend"] is None


def test_renewal_proximity_uses_the_earliest_end_among_active_contracts(portfolio, row_of):
    customer(portfolio).contract("a2", "A", 1200, date(2026, 1, 1), term=36)
    assert row_of(portfolio.score(), "A")["renewal"] == pytest.approx(50)


def test_renewal_proximity_is_100_beyond_the_bound(portfolio, row_of):
    portfolio.contract("a1", "A", 1200, date(2026, 6, 1), term=12)
    assert row_of(portfolio.score(), "A")["renewal"] == 100


def test_engagement_recency_is_linear_between_30_and_365_days_and_ignores_events_after_t(portfolio, row_of):
    customer(portfolio)  # its close (2025-09-28) is 275 days old
    portfolio.opportunity("open", "A", 100, created_at=datetime(2026, 3, 2, tzinfo=UTC))  # 120 days
    portfolio.stage("open", "Proposal", datetime(2026, 7, 2, tzinfo=UTC))  # after T: ignored
    assert row_of(portfolio.score(), "A")["engagement"] == pytest.approx((365 - 120) / 335 * 100)


def test_engagement_recency_counts_stage_history_entries(portfolio, row_of):
    customer(portfolio).stage("a1", "Proposal", datetime(2026, 5, 31, 18, tzinfo=UTC))
    assert row_of(portfolio.score(), "A")["engagement"] == 100


def test_health_shares_the_weights_of_unknown_components_among_the_known(portfolio, row_of):
    customer(portfolio)  # no usage: utilisation and trend unknown
    row = row_of(portfolio.score(), "A")
    engagement = (365 - 275) / 335 * 100
    assert row["health"] == pytest.approx((0.2 * 50 + 0.2 * engagement) / 0.4)


def test_health_is_null_when_the_known_components_all_weigh_0(portfolio, row_of):
    customer(portfolio)
    params = ScoringParams(health=HealthParams(renewal_weight=0, engagement_weight=0))
    row = row_of(portfolio.score(params=params), "A")
    assert row["health"] is None
    assert row["health_component"] is None


def test_health_is_null_when_no_component_is_known():
    frame = pl.DataFrame(
        {name: [None] for name in ("utilisation", "usage_trend", "renewal", "engagement")},
        schema=dict.fromkeys(("utilisation", "usage_trend", "renewal", "engagement"), pl.Float64),
    ).with_columns(arr=pl.lit(100.0))
    assert frame.select(health_expr(HealthParams())).item() is None


def test_prospect_has_no_health_and_takes_prospect_health_in_the_score(portfolio, row_of):
    portfolio.account("P")
    row = row_of(portfolio.score(), "P")
    assert row["health"] is None
    assert row["health_component"] == 50
