"""The backtest finds a signal planted in a sandbox world, and finds none when none is planted.

Worlds of 3,000 companies (seed 11), scored as of six quarter starts from 2024-07-01 (each 6-month horizon
ends before the world's `now`), with the default weights and tiers and the keen industries as the ICP. The
keen flag triples an attempt's chance of being won at signal 1 and changes nothing at signal 0.

Tolerances: with the signal, Tier A's new-business lift must exceed 1.1 and the AUC 0.53 (measured 1.15 and
0.55 here; 1.13 to 1.43 and 0.55 to 0.58 over seeds 11 to 16). Without it, lift must stay within 0.7..1.3
and the AUC within 0.45..0.55 (measured 0.94 and 0.49; 0.93 to 1.24 and 0.49 to 0.53 over seeds 11 to 16:
an account between two attempts at T has no open pipeline, which is a little signal of its own).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sandbox.propensity import KEEN_INDUSTRIES, attempt_win_chance
from sandbox.world import companies
from scoring.backtest import backtest
from scoring.review import Review, review
from tests.scoring.planted_world import icp_params, planted_world, quarter_starts, world_inputs

AS_OF = quarter_starts(date(2024, 7, 1), 6)


def _review(signal: float) -> Review:
    return review(backtest(world_inputs(planted_world(signal, 3000)), AS_OF, params=icp_params()))


def _tier_a_lift(result: Review) -> float:
    lift = result.tiers.filter(pl.col("tier") == "A").get_column("new_business_won_lift").item()
    assert isinstance(lift, float)
    return lift


def test_the_planted_propensity_raises_the_win_chance_of_keen_companies_only_with_a_signal() -> None:
    for signal, keen_chance in ((1.0, 0.6), (0.0, 0.2)):
        spec = planted_world(signal, 300)
        chances = {round(attempt_win_chance(spec, c), 9) for c in companies(spec)}
        assert chances == {0.2, keen_chance}
    spec = planted_world(1.0, 2000)
    industries = [c.industry in KEEN_INDUSTRIES for c in companies(spec) if attempt_win_chance(spec, c) > 0.2]
    assert sum(industries) / len(industries) > 0.6  # the keen flag leans to the keen industries: fit can see it


def test_with_a_planted_signal_tier_a_wins_more_new_business_than_the_base_rate() -> None:
    result = _review(1.0)
    assert _tier_a_lift(result) > 1.1
    nb_auc = result.aucs["new_business_won"]
    assert nb_auc is not None
    assert nb_auc > 0.53
    fit = result.components.filter((pl.col("component") == "fit") & (pl.col("outcome") == "new_business_won"))
    assert fit.get_column("mean_with").item() > fit.get_column("mean_without").item()


def test_without_a_signal_tier_a_wins_new_business_at_about_the_base_rate() -> None:
    result = _review(0.0)
    assert 0.7 <= _tier_a_lift(result) <= 1.3
    nb_auc = result.aucs["new_business_won"]
    assert nb_auc is not None
    assert 0.45 <= nb_auc <= 0.55
