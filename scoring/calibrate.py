"""Calibration from a backtest: weights and tier bounds proposed beside the current ones, never applied.

The backtest keeps each account's components at each as-of date, so any weights can be replayed on them
with the engine's own expressions (`scoring.score`). Weights are searched on a grid of tenths summing to 1;
the objective is the mean over the outcomes of the score's AUC (1 - AUC for churn: a good score ranks
churners low), minus `ridge` times the squared distance to the current weights, so a flat or noisy backtest
keeps the current weights. The new tier bounds give tier A the top `shares[0]` of the scores, B the next
`shares[1]`, C the next `shares[2]`.

With two or more as-of dates, weights and bounds are fitted on the earlier half and both sets of figures are
measured on the later half (held out); with one date, both are measured in sample, and say so. The search runs
on at most `max_rows` rows of the fitting dates (an even spread, by row hash): 286 replays of a million rows
would cost minutes, and AUC on 200,000 rows is within about 0.002 of the whole.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import polars as pl

from scoring.backtest import OUTCOMES, Backtest
from scoring.errors import ParameterError
from scoring.params import ScoreWeights, TierThresholds
from scoring.review import group_table, outcome_aucs
from scoring.score import COMPONENTS, points_exprs, score_expr, tier_expr

__all__ = ["Calibration", "CalibrationSide", "calibrate", "config_fragment", "objective", "rescored"]

_STEPS = 10


def rescored(frame: pl.DataFrame, weights: ScoreWeights, tiers: TierThresholds) -> pl.DataFrame:
    """The backtest rows scored again from their components with `weights` and tiered with `tiers`."""
    order = pl.col("score").rank("ordinal", descending=True).over("as_of")
    known = pl.col("score").count().over("as_of")
    return (
        frame.with_columns(points_exprs(weights))
        .with_columns(score_expr().alias("score"))
        .with_columns(tier_expr(tiers).alias("tier"), ((order - 1) * 10 // known + 1).cast(pl.Int64()).alias("decile"))
        .drop(f"points_{name}" for name in COMPONENTS)
    )


def objective(frame: pl.DataFrame, outcome: str | None = None) -> float:
    """Mean over the outcomes (or the one `outcome`) of the score's AUC, churn turned round; 0.5 when no
    outcome has both sides."""
    aucs = outcome_aucs(frame)
    wanted = {name: v for name, v in aucs.items() if outcome in (None, name)}
    values = [1.0 - v if name == "churned" else v for name, v in wanted.items() if v is not None]
    return sum(values) / len(values) if values else 0.5


def _grid() -> list[ScoreWeights]:
    return [
        ScoreWeights(fit=f / _STEPS, potential=p / _STEPS, momentum=m / _STEPS, health=(_STEPS - f - p - m) / _STEPS)
        for f, p, m in itertools.product(range(_STEPS + 1), repeat=3)
        if f + p + m <= _STEPS
    ]


def _distance(a: ScoreWeights, b: ScoreWeights) -> float:
    total_a = (a.fit + a.potential + a.momentum + a.health) or 1.0
    total_b = (b.fit + b.potential + b.momentum + b.health) or 1.0
    pairs = ((a.fit, b.fit), (a.potential, b.potential), (a.momentum, b.momentum), (a.health, b.health))
    return sum((x / total_a - y / total_b) ** 2 for x, y in pairs)


def _bounds(frame: pl.DataFrame, shares: tuple[float, float, float]) -> TierThresholds:
    scores = frame.get_column("score").drop_nulls()
    if scores.is_empty():
        return TierThresholds()
    top = list(itertools.accumulate(shares))
    a, b, c = (round(float(scores.quantile(1.0 - share, "linear") or 0.0), 1) for share in top)
    return TierThresholds(a=a, b=min(b, a), c=min(c, b, a))


@dataclass(frozen=True)
class CalibrationSide:
    """One set of weights and bounds with its figures on the evaluation dates."""

    weights: ScoreWeights
    tiers: TierThresholds
    objective: float
    aucs: dict[str, float | None]
    tier_table: pl.DataFrame
    decile_table: pl.DataFrame


@dataclass(frozen=True)
class Calibration:
    """The current and the proposed scoring, side by side."""

    current: CalibrationSide
    proposed: CalibrationSide
    fit_dates: tuple[date, ...]
    evaluation_dates: tuple[date, ...]
    held_out: bool


def _side(frame: pl.DataFrame, weights: ScoreWeights, tiers: TierThresholds, outcome: str | None) -> CalibrationSide:
    scored = rescored(frame, weights, tiers)
    return CalibrationSide(
        weights=weights,
        tiers=tiers,
        objective=objective(scored, outcome),
        aucs=outcome_aucs(scored),
        tier_table=group_table(scored, "tier"),
        decile_table=group_table(scored, "decile"),
    )


def calibrate(
    result: Backtest,
    weights: ScoreWeights,
    tiers: TierThresholds,
    *,
    ridge: float = 0.05,
    shares: tuple[float, float, float] = (0.1, 0.2, 0.3),
    outcome: str | None = None,
    max_rows: int = 200_000,
) -> Calibration:
    """Propose weights and tier bounds from `result` (see the module docstring); `outcome` optimises for one
    outcome of `OUTCOMES` alone."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ParameterError("outcome", f"must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if not result.as_of_dates:
        raise ParameterError("as_of_dates", "a calibration needs at least one as-of date")
    if sum(shares) > 1.0 or min(shares) <= 0.0:
        raise ParameterError("shares", "tier shares must be positive and add up to at most 1")
    dates = result.as_of_dates
    held_out = len(dates) >= 2
    fit_dates = dates[: len(dates) // 2] if held_out else dates
    evaluation_dates = dates[len(dates) // 2 :] if held_out else dates
    fit = result.frame.filter(pl.col("as_of").is_in(fit_dates)).select(
        ["as_of", "key", "score", *_inputs(result.frame)]
    )
    if fit.height > max_rows:
        fit = fit.filter(pl.struct("as_of", "key").hash(7) % fit.height < max_rows).drop("key")
    best = max(_grid(), key=lambda w: objective(rescored(fit, w, tiers), outcome) - ridge * _distance(w, weights))
    proposed_tiers = _bounds(rescored(fit, best, tiers), shares)
    evaluation = result.frame.filter(pl.col("as_of").is_in(evaluation_dates))
    return Calibration(
        current=_side(evaluation, weights, tiers, outcome),
        proposed=_side(evaluation, best, proposed_tiers, outcome),
        fit_dates=fit_dates,
        evaluation_dates=evaluation_dates,
        held_out=held_out,
    )


def _inputs(frame: pl.DataFrame) -> list[str]:
    return [name for name in (*COMPONENTS, *OUTCOMES) if name in frame.columns]


def config_fragment(weights: ScoreWeights, tiers: TierThresholds) -> str:
    """The YAML to paste under the config file's `scoring:` key."""
    return (
        "scoring:\n"
        f"  weights: {{fit: {weights.fit:g}, potential: {weights.potential:g}, momentum: {weights.momentum:g}, "
        f"health: {weights.health:g}}}\n"
        f"  tiers: {{a: {tiers.a:g}, b: {tiers.b:g}, c: {tiers.c:g}}}\n"
    )
