"""The backtest read as a review: outcome rates and lift per tier and per score decile, AUC per outcome, and
how each component relates to each outcome.

A rate is over the accounts an outcome is asked of (see `scoring.backtest`), pooled over the as-of dates;
lift is a group's rate over the base rate of all scored accounts; null when a denominator is 0. AUC is the
Mann-Whitney statistic: the chance that a random account with the outcome scores above a random one without
it (ties count a half); null when either side is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scoring.backtest import OUTCOMES, Backtest
from scoring.score import COMPONENTS

__all__ = ["Review", "auc", "base_rates", "component_table", "group_table", "outcome_aucs", "review"]


def auc(frame: pl.DataFrame, value: str, outcome: str) -> float | None:
    """Mann-Whitney AUC of `value` for the boolean `outcome` over the rows where both are known."""
    known = frame.select(pl.col(value).cast(pl.Float64()), pl.col(outcome)).drop_nulls()
    positives = int(known.get_column(outcome).sum())
    negatives = known.height - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = float(known.select(pl.col(value).rank("average").filter(pl.col(outcome)).sum()).item())
    return float((ranks - positives * (positives + 1) / 2) / (positives * negatives))


def _rate_exprs(base: dict[str, float | None]) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for outcome in OUTCOMES:
        rate = pl.col(outcome).cast(pl.Float64()).mean()
        exprs += [pl.col(outcome).count().alias(f"{outcome}_asked"), pl.col(outcome).sum().alias(f"{outcome}_count"),
                  rate.alias(f"{outcome}_rate")]  # fmt: skip
        lift = rate / base[outcome] if base[outcome] else pl.lit(None, dtype=pl.Float64())
        exprs.append(lift.alias(f"{outcome}_lift"))
    return exprs


def base_rates(frame: pl.DataFrame) -> dict[str, float | None]:
    """Each outcome's rate over every scored account it is asked of."""
    scored = frame.filter(pl.col("score").is_not_null())
    row = scored.select(pl.col(outcome).cast(pl.Float64()).mean() for outcome in OUTCOMES).row(0, named=True)
    return {outcome: row[outcome] for outcome in OUTCOMES}


def group_table(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per value of `by` (tier or decile): accounts, then per outcome asked, count, rate and lift."""
    base = base_rates(frame)
    scored = frame.filter(pl.col(by).is_not_null())
    return scored.group_by(by).agg(pl.len().alias("accounts"), *_rate_exprs(base)).sort(by)


def outcome_aucs(frame: pl.DataFrame, value: str = "score") -> dict[str, float | None]:
    """AUC of `value` for each outcome."""
    return {outcome: auc(frame, value, outcome) for outcome in OUTCOMES}


def component_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Per component and outcome: its AUC, and its mean among accounts with and without the outcome."""
    rows = []
    for component in COMPONENTS:
        for outcome in OUTCOMES:
            known = frame.filter(pl.col(component).is_not_null() & pl.col(outcome).is_not_null())
            means = known.group_by(outcome).agg(pl.col(component).mean()).rows()
            by_side = dict(means)
            rows.append({"component": component, "outcome": outcome, "auc": auc(known, component, outcome),
                         "mean_with": by_side.get(True), "mean_without": by_side.get(False)})  # fmt: skip
    schema = {"component": pl.String(), "outcome": pl.String(), "auc": pl.Float64(), "mean_with": pl.Float64(),
              "mean_without": pl.Float64()}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class Review:
    """The review of one backtest."""

    backtest: Backtest
    base_rates: dict[str, float | None]
    tiers: pl.DataFrame
    deciles: pl.DataFrame
    aucs: dict[str, float | None]
    components: pl.DataFrame


def review(result: Backtest) -> Review:
    """Every table of the review of `result`."""
    frame = result.frame
    return Review(
        backtest=result,
        base_rates=base_rates(frame),
        tiers=group_table(frame, "tier"),
        deciles=group_table(frame, "decile"),
        aucs=outcome_aucs(frame),
        components=component_table(frame),
    )
