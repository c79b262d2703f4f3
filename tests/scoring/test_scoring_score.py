"""Section 7: fit, potential, momentum, health, the weighted score, tier and rank."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import FitRule, ScoreParams, ScoreWeights, ScoringParams, TierThresholds, rank_order, tier_expr
from tests.lanes import examples

ICP = (
    FitRule.industries({"Manufacturing"}, 40),
    FitRule.employee_band(200, 5000, 30),
    FitRule.countries({"DE", "US"}, 50),
)


def scored(portfolio, **score_params):
    return portfolio.score(params=ScoringParams(score=ScoreParams(**score_params)))


def test_fit_sums_the_points_of_matched_rules_clipped_to_100(portfolio, row_of):
    portfolio.account("all", industry="manufacturing", employees=200, country="DE")
    portfolio.account("some", industry="Retail", employees=5000, country="us")
    portfolio.account("none", industry=None, employees=None, country=None)
    result = scored(portfolio, fit_rules=ICP)
    assert [row_of(result, key)["fit"] for key in ("all", "some", "none")] == [100, 50, 0]


def test_fit_is_unknown_without_rules_and_its_weight_is_shared_out(portfolio, row_of):
    portfolio.account("A", annual_revenue=10.0).account("B", annual_revenue=20.0)
    result = scored(portfolio)
    row = row_of(result, "B")
    assert row["fit"] is None
    # potential 100, momentum 0 (nobody has pipeline), health 50 (prospect): weights .3 .2 .2 over .7
    assert row["score"] == pytest.approx((0.3 * 100 + 0.2 * 0 + 0.2 * 50) / 0.7)


def test_potential_ranks_headroom_among_known_else_annual_revenue(portfolio, row_of):
    portfolio.account("h-low", wallet_estimate=100.0).account("h-high", wallet_estimate=900.0)
    portfolio.account("rev-low", annual_revenue=1.0).account("rev-high", annual_revenue=50.0)
    portfolio.account("h-mid", wallet_estimate=500.0, annual_revenue=1e9)
    portfolio.account("unknown")
    result = scored(portfolio)
    potentials = {key: row_of(result, key)["potential"] for key in ("h-low", "h-mid", "h-high", "rev-low")}
    assert potentials == {"h-low": 0, "h-mid": 50, "h-high": 100, "rev-low": 0}
    assert row_of(result, "rev-high")["potential"] == pytest.approx(50)  # 1 of the 2 others below it
    assert row_of(result, "unknown")["potential"] is None


def test_momentum_ranks_weighted_pipeline_plus_recent_wins(portfolio, row_of):
    portfolio.opportunity("p", "pipeline", 1000, probability=0.5)  # 500
    portfolio.contract("w", "recent-win", 800, date(2026, 4, 1))  # 800, within 90 days
    portfolio.contract("old", "old-win", 5000, date(2026, 3, 1))  # 121 days: not recent
    portfolio.account("nothing")
    result = scored(portfolio)
    momentum = {key: row_of(result, key)["momentum"] for key in ("nothing", "old-win", "pipeline", "recent-win")}
    assert momentum == {"nothing": 0, "old-win": 0, "pipeline": pytest.approx(200 / 3), "recent-win": 100}


def test_score_is_the_weighted_mean_of_the_known_components(portfolio, row_of):
    portfolio.account("A", industry="Manufacturing", annual_revenue=5.0).account("B", annual_revenue=1.0)
    result = scored(portfolio, fit_rules=ICP, weights=ScoreWeights(fit=0.5, potential=0.25, momentum=0, health=0.25))
    assert row_of(result, "A")["score"] == pytest.approx(0.5 * 40 + 0.25 * 100 + 0.25 * 50)
    assert row_of(result, "B")["score"] == pytest.approx(0.25 * 50 / 1.0)


def test_score_is_null_when_every_weight_is_0(portfolio, row_of):
    portfolio.account("A", annual_revenue=5.0)
    row = row_of(scored(portfolio, weights=ScoreWeights(fit=0, potential=0, momentum=0, health=0)), "A")
    assert (row["score"], row["tier"], row["rank"]) == (None, None, 1)


@pytest.mark.parametrize(
    ("score", "tier"), [(100.0, "A"), (80.0, "A"), (79.99, "B"), (60.0, "B"), (40.0, "C"), (39.9, "D"), (None, None)]
)
def test_tier_thresholds_a_80_b_60_c_40_else_d(score, tier):
    frame = pl.DataFrame({"score": [score]}, schema={"score": pl.Float64})
    assert frame.select(tier_expr(TierThresholds())).item() == tier


def test_rank_is_by_score_then_arr_descending_then_key(portfolio):
    # Same fit, potential and health; arr and key break the ties.
    for key, amount in (("b", 100.0), ("a", 100.0), ("c", 300.0)):
        portfolio.contract(f"o-{key}", key, amount, date(2026, 6, 1), created_at=None, term=12)
    params = ScoringParams(score=ScoreParams(weights=ScoreWeights(fit=0, potential=0, momentum=0, health=1)))
    accounts = portfolio.score(params=params).accounts
    assert accounts.select("rank", "key").rows() == [(1, "c"), (2, "a"), (3, "b")]


@settings(max_examples=examples(80), deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.sampled_from([10.0, 55.5, 90.0])), st.sampled_from([0.0, 100.0, 250.0])),
        max_size=15,
    ),
    st.randoms(use_true_random=False),
)
def test_rank_order_matches_sorting_by_score_arr_and_key(rows, random):
    keys = [f"k{index:02}" for index in range(len(rows))]
    random.shuffle(keys)
    frame = pl.DataFrame(
        {"key": keys, "score": [score for score, _ in rows], "arr": [arr for _, arr in rows]},
        schema={"key": pl.String, "score": pl.Float64, "arr": pl.Float64},
    )
    expected = sorted(range(len(rows)), key=lambda i: (rows[i][0] is None, -(rows[i][0] or 0.0), -rows[i][1], keys[i]))
    assert rank_order(frame).to_list() == expected
