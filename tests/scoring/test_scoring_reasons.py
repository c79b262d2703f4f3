"""Section 7: reasons a rep understands, and the largest change since the previous scoring run."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from scoring import FitRule, ScoreParams, ScoringParams, compact_number

ICP = (FitRule.industries({"Manufacturing"}, 60), FitRule.countries({"DE"}, 10))
PARAMS = ScoringParams(score=ScoreParams(fit_rules=ICP))


def ranked_portfolio(portfolio):
    portfolio.account("A", industry="Manufacturing", country="DE", wallet_estimate=1_250_000.0)
    portfolio.opportunity("a-open", "A", 180_000, probability=0.5)
    for index in range(19):
        portfolio.account(f"other{index:02}", wallet_estimate=float(index))
    return portfolio


def test_reasons_are_the_three_components_adding_most_points(portfolio, row_of):
    row = row_of(ranked_portfolio(portfolio).score(params=PARAMS), "A")
    assert row["reasons"] == [
        "Headroom 1.2M USD, top 1 %",
        "In ICP industry: Manufacturing; In ICP country: DE",
        "Weighted pipeline 90k USD, top 1 %",
    ]


def test_component_adding_no_points_is_no_reason(portfolio, row_of):
    portfolio.account("lowest", wallet_estimate=0.0).account("B", wallet_estimate=5.0)
    assert row_of(portfolio.score(), "lowest")["reasons"] == ["Prospect: default health 50"]


def test_change_reason_tells_the_largest_change_since_the_previous_run(portfolio, row_of):
    first = ranked_portfolio(portfolio).score(params=PARAMS)
    previous = first.previous_scores().with_columns(pl.lit(date(2026, 5, 1)).alias("scored_at"))
    previous = previous.with_columns(
        pl.when(pl.col("key") == "A").then(pl.col("score") - 12).otherwise(pl.col("score")).alias("score"),
        pl.when(pl.col("key") == "A").then(0.0).otherwise(pl.col("momentum")).alias("momentum"),
        pl.when(pl.col("key") == "A").then(0.0).otherwise(pl.col("weighted_pipeline")).alias("weighted_pipeline"),
    )
    again = portfolio.score(params=PARAMS, previous=previous)
    assert row_of(again, "A")["change_reason"] == "score +12 since 2026-05-01: new 90k USD pipeline"
    assert row_of(again, "other05")["change_reason"] is None


def test_change_reason_falls_back_to_the_component_figures(portfolio, row_of):
    portfolio.account("A", wallet_estimate=10.0).account("B", wallet_estimate=20.0)
    previous = pl.DataFrame(
        {"key": ["A"], "scored_at": [date(2026, 6, 1)], "score": [40.0], "health_component": [80.0]}
    )
    row = row_of(portfolio.score(previous=previous), "A")
    assert row["change_reason"] == "score -26 since 2026-06-01: health 80 → 50"


def test_no_change_reason_for_an_account_scored_for_the_first_time(portfolio, row_of):
    portfolio.account("A")
    previous = pl.DataFrame({"key": ["B"], "scored_at": [date(2026, 6, 1)], "score": [40.0]})
    assert row_of(portfolio.score(previous=previous), "A")["change_reason"] is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(1_234_567.0, "1.2M"), (90_000.0, "90k"), (950.0, "950"), (999_960.0, "1M"), (-25_000.0, "-25k"), (3e9, "3B")],
)
def test_money_reads_compact(value, text):
    assert pl.select(compact_number(pl.lit(value))).item() == text
