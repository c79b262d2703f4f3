"""Section 5: win rates, sales cycle, open and weighted pipeline."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from scoring import PipelineParams, ScoringParams, WarningCode


def test_win_rate_counts_opportunities_closed_inside_the_window_both_ends_included(portfolio):
    portfolio.contract("won-at-start", "A", 100, date(2025, 6, 30), recurring=False)
    portfolio.contract("won-at-t", "A", 300, date(2026, 6, 30))
    portfolio.lost("lost-inside", "A", 600, date(2026, 3, 1))
    portfolio.lost("lost-before", "A", 5000, date(2025, 6, 29))
    portfolio.contract("won-after", "A", 5000, date(2026, 7, 1))
    kpis = portfolio.score().portfolio
    assert kpis.win_rate_count == pytest.approx(2 / 3)
    assert kpis.win_rate_amount == pytest.approx(400 / 1000)


def test_win_rate_is_null_when_nothing_closed_inside_the_window(portfolio):
    portfolio.opportunity("open", "A", 100)
    kpis = portfolio.score().portfolio
    assert kpis.win_rate_count is None
    assert kpis.win_rate_amount is None
    assert kpis.sales_cycle_days is None


@pytest.mark.parametrize(("days", "median"), [([10, 20, 31, 40], 25.5), ([10, 31, 40], 31.0)])
def test_sales_cycle_is_the_median_of_whole_days_even_count_mean_of_middle_two(portfolio, days, median):
    for index, length in enumerate(days):
        created = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
        close = date(2026, 1, 1 + length) if length < 31 else date(2026, 2, length - 30)
        portfolio.contract(f"o{index}", "A", 100, close, created_at=created)
    portfolio.lost("lost", "A", 100, date(2026, 6, 1), created_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert portfolio.score().portfolio.sales_cycle_days == median


def test_open_and_weighted_pipeline_use_the_stage_default_when_no_probability(portfolio, row_of):
    portfolio.opportunity("own", "A", 1000, probability=0.5)
    portfolio.opportunity("stage-default", "A", 2000, stage="Proposal")
    portfolio.lost("closed", "A", 9999, date(2026, 1, 1), probability=1.0)
    params = ScoringParams(pipeline=PipelineParams(stage_probabilities={"Proposal": 0.25}))
    result = portfolio.score(params=params)
    assert result.portfolio.open_pipeline == pytest.approx(3000)
    assert result.portfolio.weighted_pipeline == pytest.approx(1000)
    assert row_of(result, "A")["weighted_pipeline"] == pytest.approx(1000)
    assert result.warnings.filter(pl.col("opportunity_key").is_not_null()).height == 0


@pytest.mark.parametrize(
    ("probability", "weighted", "code"),
    [(None, 0.0, WarningCode.UNKNOWN_PROBABILITY), (1.5, 1000.0, WarningCode.INVALID_PROBABILITY)],
)
def test_unknown_probability_weighs_0_and_one_outside_0_1_is_clipped_both_warned(
    portfolio, probability, weighted, code
):
    portfolio.opportunity("o1", "A", 1000, probability=probability, stage="Mystery")
    result = portfolio.score()
    assert result.portfolio.weighted_pipeline == pytest.approx(weighted)
    warned = result.warnings.filter(pl.col("opportunity_key").is_not_null())
    assert warned.select("code", "opportunity_key").rows() == [(code.value, "o1")]
