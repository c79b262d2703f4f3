"""Coverage as a component of the account score (docs/account-mapping.md): weighted in with the other
components, renormalised over the known ones, then tier and rank again; its first reason joins the reasons."""

from __future__ import annotations

import polars as pl

from scoring.arithmetic import known_weight
from scoring.change import change_reason
from scoring.frames import PREVIOUS_SCORES, conform_frame
from scoring.params import ScoreWeights, TierThresholds
from scoring.score import component_weights, ranked, tier_expr

__all__ = ["blend_coverage"]


def blend_coverage(
    accounts: pl.DataFrame,
    coverage: pl.DataFrame,
    weights: ScoreWeights,
    weight: float,
    tiers: TierThresholds,
    *,
    previous: pl.DataFrame | None = None,
    currency: str = "USD",
) -> pl.DataFrame:
    """The scored accounts with the coverage columns joined and, where coverage is known and `weight` > 0,
    score = (score x W + weight x component) / (W + weight), W the weight of the account's known components.
    Accounts without coverage (no people pulled) keep their score; the coverage reason (single-threaded, or
    the first missing role) is added after the score's own reasons.

    With `previous` (the last run's scores, which were blended too), 'what changed' is told again from the
    blended score, coverage being one of the components that can explain the move: told from the score
    before the blend, an account whose every figure stood still read 'score +1 since ...'."""
    joined = accounts.drop("rank").join(coverage, on="key", how="left")
    known = pl.sum_horizontal([known_weight(pl.col(name), w) for name, w in component_weights(weights).items()])
    component = pl.col("coverage_component")
    blended = (pl.col("score") * known + component * weight) / (known + weight)
    use = component.is_not_null() & pl.col("score").is_not_null() & pl.lit(weight > 0)
    first_reason = pl.col("coverage_reasons").list.first()
    reasons = (
        pl.when(first_reason.is_not_null())
        .then(pl.col("reasons").fill_null(pl.lit([], pl.List(pl.String()))).list.concat(first_reason))
        .otherwise(pl.col("reasons"))
    )
    out = joined.with_columns(pl.when(use).then(blended.clip(0.0, 100.0)).otherwise(pl.col("score")).alias("score"))
    out = out.with_columns(tier_expr(tiers).alias("tier"), reasons.alias("reasons")).drop("coverage_reasons")
    if previous is not None and "change_reason" in out.columns:
        earlier = conform_frame(PREVIOUS_SCORES, previous)
        out = change_reason(out.drop("change_reason").lazy(), earlier, weights, currency, weight).collect()
    return ranked(out)
