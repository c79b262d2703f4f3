"""KPIs per segment of accounts: by industry, owner, country or tier."""

from __future__ import annotations

from typing import Literal

import polars as pl

from scoring.errors import ParameterError
from scoring.portfolio import portfolio_exprs

__all__ = [
    "SEGMENTS",
    "Segment",
    "segment_kpis",
]

Segment = Literal["industry", "owner", "country", "tier"]
SEGMENTS: tuple[Segment, ...] = ("industry", "owner", "country", "tier")


def segment_kpis(accounts: pl.DataFrame, by: Segment) -> pl.DataFrame:
    """One row per value of `by` (null is a segment of its own, listed last) with the portfolio KPIs of
    its accounts and their mean score. Sales cycle is not split: a median does not add up by segment."""
    if by not in SEGMENTS:
        raise ParameterError("by", f"unknown segment {by!r}; expected one of {', '.join(SEGMENTS)}")
    return (
        accounts.lazy()
        .group_by(by)
        .agg(*portfolio_exprs(), pl.col("score").mean().alias("mean_score"))
        .sort(by, nulls_last=True)
        .collect()
    )
