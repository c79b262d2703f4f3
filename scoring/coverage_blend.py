"""Coverage as a component of the account score (docs/account-mapping.md): weighted in with the other
components, renormalised over the known ones, before tier, reasons and 'what changed' are told from the score
(`scoring.accounts.scored_accounts` calls these two steps around its own); its first reason joins the reasons."""

from __future__ import annotations

import polars as pl

from scoring.arithmetic import known_weight
from scoring.coverage import COVERAGE_COLUMNS
from scoring.params import ScoreWeights
from scoring.score import component_weights

__all__ = ["COVERAGE_SHOWN", "blend_coverage", "coverage_reason"]

COVERAGE_SHOWN = tuple(c for c in COVERAGE_COLUMNS if c not in ("key", "coverage_reasons"))  # on a scored account


def blend_coverage(frame: pl.LazyFrame, coverage: pl.DataFrame, weights: ScoreWeights, weight: float) -> pl.LazyFrame:
    """`frame` (the scored accounts, each with its components and `score`) with the coverage columns joined
    and, where coverage is known and `weight` > 0, score = (score x W + weight x component) / (W + weight),
    W the weight of the account's known components. Accounts without coverage keep their score."""
    known = pl.sum_horizontal([known_weight(pl.col(name), w) for name, w in component_weights(weights).items()])
    component = pl.col("coverage_component")
    blended = (pl.col("score") * known + component * weight) / (known + weight)
    use = component.is_not_null() & pl.col("score").is_not_null() & pl.lit(weight > 0)
    joined = frame.join(coverage.lazy().select(COVERAGE_COLUMNS), on="key", how="left")
    return joined.with_columns(pl.when(use).then(blended.clip(0.0, 100.0)).otherwise(pl.col("score")).alias("score"))


def coverage_reason() -> pl.Expr:
    """The account's `reasons` with the coverage's first reason (single-threaded, or the first missing role)
    after the score's own."""
    first_reason = pl.col("coverage_reasons").list.first()
    return (
        pl.when(first_reason.is_not_null())
        .then(pl.col("reasons").fill_null(pl.lit([], pl.List(pl.String()))).list.concat(first_reason))
        .otherwise(pl.col("reasons"))
        .alias("reasons")
    )
