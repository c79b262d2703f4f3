"""Null-aware arithmetic the spec uses throughout: ratios, renormalised weighted means, percentile ranks."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = [
    "MICROS",
    "known_weight",
    "money_sum",
    "percentile_rank",
    "ratio",
    "weighted_mean",
]


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null (not 0) when the denominator is 0 or null (section 8)."""
    return pl.when(denominator != 0).then(numerator / denominator).otherwise(None)


def weighted_mean(parts: Sequence[tuple[pl.Expr, float]]) -> pl.Expr:
    """Mean of the known parts, each weighted; the weights of unknown (null) parts are shared out among the
    known ones in proportion. Null when no part with a positive weight is known."""
    if not parts:
        return pl.lit(None, dtype=pl.Float64())
    total = pl.sum_horizontal([known_weight(value, weight) * value.fill_null(0.0) for value, weight in parts])
    weights = pl.sum_horizontal([known_weight(value, weight) for value, weight in parts])
    return ratio(total, weights)


def known_weight(value: pl.Expr, weight: float) -> pl.Expr:
    """`weight` where `value` is known, else 0."""
    return pl.when(value.is_not_null()).then(pl.lit(weight)).otherwise(0.0)


def percentile_rank(values: pl.Expr) -> pl.Expr:
    """0..100: the share of the other known values strictly below this one (ties share the lower rank).

    The lowest value gets 0, the highest 100 unless tied; null stays null; a single known value gets 0.
    """
    below = values.rank("min") - 1
    others = pl.max_horizontal(values.count() - 1, pl.lit(1))
    return (100.0 * below / others).cast(pl.Float64())


MICROS = 1_000_000


def money_sum(values: pl.Expr) -> pl.Expr:
    """Sum of money, taken in integer micro-units: exact, so it never depends on row order (a float sum
    does, in its last bits, and ranks and movement buckets would follow). Nulls are skipped; 0 when none."""
    micros = (values * MICROS).round(0).cast(pl.Int128())
    return micros.sum().cast(pl.Float64()) / MICROS
