"""Calibration: the replay of weights matches the engine, a component that predicts is weighted up, and the
YAML fragment is a valid config section."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest
import yaml

from config.models import Scoring
from scoring import ScoreWeights, TierThresholds
from scoring.backtest import Backtest, backtest
from scoring.calibrate import calibrate, config_fragment, rescored
from scoring.errors import ParameterError
from tests.scoring.planted_world import icp_params, planted_world, quarter_starts, world_inputs


def test_replaying_the_current_weights_gives_the_engines_scores_and_tiers() -> None:
    params = icp_params()
    result = backtest(world_inputs(planted_world(1.0, 400)), quarter_starts(date(2025, 1, 1), 2), params=params)
    replay = rescored(result.frame, params.score.weights, params.score.tiers)
    assert replay.get_column("score").equals(result.frame.get_column("score"))
    assert replay.get_column("tier").equals(result.frame.get_column("tier"))


def _fit_predicts(rows: int = 400) -> Backtest:
    """Two as-of dates; new business is won by exactly the accounts with fit >= 50; the rest is noise."""
    r = random.Random(5)
    days = (date(2025, 1, 1), date(2025, 4, 1))
    data = {"as_of": [], "key": [], "fit": [], "potential": [], "momentum": [], "health_component": []}
    for k in range(rows):
        data["as_of"].append(days[k % 2])
        data["key"].append(f"a{k}")
        data["fit"].append(float(r.choice((0, 25, 50, 75, 100))))
        for name in ("potential", "momentum", "health_component"):
            data[name].append(r.uniform(0, 100))
    frame = pl.DataFrame(data).with_columns(
        pl.lit(None, dtype=pl.Float64()).alias("score"),
        (pl.col("fit") >= 50).alias("new_business_won"),
        pl.lit(None, dtype=pl.Boolean()).alias("expansion_won"),
        pl.lit(None, dtype=pl.Boolean()).alias("churned"),
    )
    frame = rescored(frame, ScoreWeights(), TierThresholds())
    return Backtest(frame=frame, as_of_dates=days, horizon_months=6)


def test_a_component_that_predicts_the_outcome_is_weighted_up_and_lifts_tier_a() -> None:
    result = calibrate(_fit_predicts(), ScoreWeights(), TierThresholds())
    assert result.held_out
    assert result.fit_dates == (date(2025, 1, 1),)
    assert result.evaluation_dates == (date(2025, 4, 1),)
    assert result.proposed.weights.fit > 0.5
    assert result.proposed.objective > result.current.objective
    # Accounts with fit >= 50 win; under the proposed weights tier A (top 10 %) is all winners: lift = 1 / base.
    base = _fit_predicts().frame.filter(pl.col("as_of") == date(2025, 4, 1)).get_column("new_business_won").mean()
    tier_a = result.proposed.tier_table.filter(pl.col("tier") == "A").row(0, named=True)
    assert tier_a["new_business_won_lift"] == pytest.approx(1 / base)


def test_the_fragment_is_a_valid_scoring_section_with_the_proposed_values() -> None:
    weights, tiers = ScoreWeights(fit=0.5, potential=0.1, momentum=0.2, health=0.2), TierThresholds(85.5, 62, 41.2)
    section = Scoring.model_validate(yaml.safe_load(config_fragment(weights, tiers))["scoring"])
    assert (section.weights.fit, section.weights.potential, section.weights.health) == (0.5, 0.1, 0.2)
    assert (section.tiers.a, section.tiers.b, section.tiers.c) == (85.5, 62, 41.2)


def test_an_unknown_outcome_is_refused_by_name() -> None:
    with pytest.raises(ParameterError, match="outcome"):
        calibrate(_fit_predicts(), ScoreWeights(), TierThresholds(), outcome="renewed")


def test_a_search_on_a_sample_of_the_fitting_rows_still_finds_the_component_that_predicts() -> None:
    result = calibrate(_fit_predicts(), ScoreWeights(), TierThresholds(), max_rows=60)
    assert result.proposed.weights.fit > 0.5
