"""How figures read in a rep's sentence: compact money (1.2M, 90k), whole numbers, 'top 5 %'."""

from __future__ import annotations

import polars as pl

__all__ = [
    "compact_number",
    "money_text",
    "signed_whole_text",
    "top_share_text",
    "whole_text",
]

# A value just under a unit rounds up into it: 999,960 reads 1M, not 1000k.
_UNITS = ((999_950_000.0, 1e9, "B"), (999_950.0, 1e6, "M"), (999.5, 1e3, "k"))


def _by_size(values: pl.Expr, pick: int, otherwise: float | str) -> pl.Expr:
    size = values.abs()
    chosen = pl.lit(otherwise)
    for unit in reversed(_UNITS):
        chosen = pl.when(size >= unit[0]).then(pl.lit(unit[pick])).otherwise(chosen)
    return chosen


def compact_number(values: pl.Expr) -> pl.Expr:
    """1234567 -> '1.2M', 90000 -> '90k', 950 -> '950', -25000 -> '-25k'; null stays null."""
    unit = _by_size(values, 1, 1.0)
    scaled = values / unit
    # One decimal once scaled to a unit, none below a thousand; never '-0'.
    rounded = pl.when(unit > 1.0).then(scaled.round(1)).otherwise(scaled.round(0))
    rounded = pl.when(rounded == 0).then(pl.lit(0.0)).otherwise(rounded)
    return pl.concat_str([rounded.cast(pl.String).str.strip_suffix(".0"), _by_size(values, 2, "")])


def money_text(values: pl.Expr, currency: str) -> pl.Expr:
    """Compact money with its currency: '1.2M USD'."""
    return pl.concat_str([compact_number(values), pl.lit(f" {currency}")])


def whole_text(values: pl.Expr) -> pl.Expr:
    """A number rounded to an integer, as text."""
    return values.round(0).cast(pl.Int64).cast(pl.String)


def signed_whole_text(values: pl.Expr) -> pl.Expr:
    """A rounded number with its sign: '+12', '-3', '0'."""
    rounded = values.round(0).cast(pl.Int64)
    sign = pl.when(rounded > 0).then(pl.lit("+")).otherwise(pl.lit(""))
    return pl.concat_str([sign, rounded.cast(pl.String)])


def top_share_text(percentile: pl.Expr) -> pl.Expr:
    """A percentile rank (0..100) as 'top N %', N at least 1."""
    share = (100.0 - percentile).ceil().clip(1.0, 100.0).cast(pl.Int64).cast(pl.String)
    return pl.format("top {} %", share)
