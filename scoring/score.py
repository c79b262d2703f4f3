"""Account score of kpis.md section 7: fit, potential, momentum and health, weighted; tier and rank."""

from __future__ import annotations

import polars as pl

from scoring.arithmetic import known_weight, percentile_rank, ratio
from scoring.params import CATEGORICAL_FIT_FIELDS, FitRule, ScoreParams, ScoreWeights, TierThresholds

__all__ = [
    "COMPONENTS",
    "component_exprs",
    "component_weights",
    "fit_expr",
    "momentum_value_expr",
    "points_exprs",
    "potential_expr",
    "rank_order",
    "ranked",
    "rule_matches",
    "score_expr",
    "tier_expr",
]

COMPONENTS = ("fit", "potential", "momentum", "health_component")


def rule_matches(rule: FitRule) -> pl.Expr:
    """True where the account matches the ICP rule; a missing value never matches."""
    value = pl.col(rule.field)
    if rule.field in CATEGORICAL_FIT_FIELDS:
        matched = value.str.to_lowercase().is_in(sorted(v.lower() for v in rule.values))
    else:
        matched = pl.lit(True)
        if rule.low is not None:
            matched = matched & (value >= rule.low)
        if rule.high is not None:
            matched = matched & (value < rule.high)
    return matched.fill_null(False)


def fit_expr(rules: tuple[FitRule, ...]) -> pl.Expr:
    """Sum of the points of the matched rules, clipped to 0..100; unknown when no rule is configured."""
    if not rules:
        return pl.lit(None, dtype=pl.Float64())
    points = [pl.when(rule_matches(rule)).then(pl.lit(rule.points)).otherwise(0.0) for rule in rules]
    return pl.sum_horizontal(points).clip(0.0, 100.0).cast(pl.Float64())


def potential_expr() -> pl.Expr:
    """Percentile rank of headroom among accounts with known headroom, else of annual revenue."""
    return pl.coalesce(percentile_rank(pl.col("headroom")), percentile_rank(pl.col("annual_revenue")))


def momentum_value_expr() -> pl.Expr:
    """Weighted open pipeline plus recent wins, in the corporate currency."""
    return pl.col("weighted_pipeline").fill_null(0.0) + pl.col("recent_wins").fill_null(0.0)


def component_exprs(params: ScoreParams) -> list[pl.Expr]:
    """The four components (0..100 or null); needs headroom, annual_revenue, momentum_value, health, arr."""
    health = pl.when(pl.col("arr") > 0).then(pl.col("health")).otherwise(pl.lit(params.prospect_health))
    return [
        fit_expr(params.fit_rules).alias("fit"),
        potential_expr().alias("potential"),
        percentile_rank(pl.col("momentum_value")).alias("momentum"),
        health.alias("health_component"),
    ]


def component_weights(weights: ScoreWeights) -> dict[str, float]:
    """The weight of each component, by its column name."""
    return {
        "fit": weights.fit,
        "potential": weights.potential,
        "momentum": weights.momentum,
        "health_component": weights.health,
    }


def points_exprs(weights: ScoreWeights) -> list[pl.Expr]:
    """Points each known component adds to the score (weights renormalised over the known ones)."""
    by_component = component_weights(weights)
    known = pl.sum_horizontal([known_weight(pl.col(name), w) for name, w in by_component.items()])
    return [ratio(pl.col(name) * weight, known).alias(f"points_{name}") for name, weight in by_component.items()]


def score_expr() -> pl.Expr:
    """The score: the sum of the points; null when no weighted component is known."""
    points = [pl.col(f"points_{name}") for name in COMPONENTS]
    any_known = pl.any_horizontal([column.is_not_null() for column in points])
    return pl.when(any_known).then(pl.sum_horizontal(points).clip(0.0, 100.0))


def tier_expr(tiers: TierThresholds) -> pl.Expr:
    """A, B, C or D from the score; null when the score is null."""
    score = pl.col("score")
    return (
        pl.when(score >= tiers.a)
        .then(pl.lit("A"))
        .when(score >= tiers.b)
        .then(pl.lit("B"))
        .when(score >= tiers.c)
        .then(pl.lit("C"))
        .when(score.is_not_null())
        .then(pl.lit("D"))
    )


def rank_order(accounts: pl.DataFrame) -> pl.Series:
    """Row numbers of `accounts` by score descending (null last), ARR descending, then key ascending."""
    # Dense ranks of score and ARR fold into one integer level; only rows sharing a level need their keys
    # compared, so the costly string sort runs on the ties alone.
    last = accounts.height + 1
    score_rank = accounts.get_column("score").rank("dense", descending=True).fill_null(last).cast(pl.UInt64())
    arr_rank = accounts.get_column("arr").rank("dense", descending=True).fill_null(last).cast(pl.UInt64())
    level = score_rank * (last + 1) + arr_rank
    tied = level.is_duplicated()
    key_rank = pl.select(pl.repeat(0, accounts.height, dtype=pl.UInt32())).to_series()
    key_rank = key_rank.scatter(tied.arg_true(), accounts.get_column("key").filter(tied).rank("ordinal"))
    return pl.DataFrame({"level": level, "key_rank": key_rank}).select(pl.arg_sort_by("level", "key_rank")).to_series()


def ranked(accounts: pl.DataFrame) -> pl.DataFrame:
    """Accounts in rank order (see `rank_order`), with `rank` 1..n first."""
    return accounts[rank_order(accounts)].with_row_index("rank", offset=1)
