"""The tunables: defaults from kpis.md, and refusal of values the spec cannot mean."""

from __future__ import annotations

import pytest

from scoring import (
    FitRule,
    HealthParams,
    ParameterError,
    PipelineParams,
    ScoreParams,
    ScoreWeights,
    ScoringParams,
    TierThresholds,
    ValueParams,
)


def test_defaults_are_the_spec_defaults():
    params = ScoringParams()
    assert (params.currency, params.window_months) == ("USD", 12)
    assert (params.value.gross_margin, params.value.max_lifetime_years) == (0.8, 10)
    assert params.score.weights == ScoreWeights(fit=0.3, potential=0.3, momentum=0.2, health=0.2)
    health = params.health
    assert (health.utilisation_weight, health.trend_weight, health.renewal_weight, health.engagement_weight) == (
        0.4,
        0.2,
        0.2,
        0.2,
    )
    assert (health.trend_bound, health.renewal_full_days, health.engagement_full_days) == (0.5, 180, 30)
    assert health.engagement_zero_days == 365
    assert (params.score.prospect_health, params.score.recent_win_days) == (50, 90)
    assert params.score.tiers == TierThresholds(a=80, b=60, c=40)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: ScoreWeights(fit=-0.1), "weights.fit"),
        (lambda: ValueParams(gross_margin=1.5), "gross_margin"),
        (lambda: ValueParams(wallet_ratio={"Retail": -1}), "wallet_ratio[Retail]"),
        (lambda: HealthParams(engagement_full_days=400), "engagement_zero_days"),
        (lambda: TierThresholds(a=50, b=60), "tiers"),
        (lambda: ScoreParams(prospect_health=120), "prospect_health"),
        (lambda: PipelineParams(stage_probabilities={"Won": 2.0}), "stage_probabilities[Won]"),
        (lambda: ScoringParams(window_months=0), "window_months"),
        (lambda: FitRule(field="employees", points=10), "fit rule on employees"),
        (lambda: FitRule(field="industry", points=10, low=1), "fit rule on industry"),
        (lambda: FitRule.employee_band(500, 100, 10), "fit rule on employees"),
    ],
)
def test_parameter_outside_its_range_is_refused(build, name):
    with pytest.raises(ParameterError) as raised:
        build()
    assert raised.value.name == name


def test_wallet_ratios_are_frozen():
    params = ValueParams(wallet_ratio={"Retail": 0.1})
    with pytest.raises(TypeError):
        params.wallet_ratio["Retail"] = 0.5  # type: ignore[index]
