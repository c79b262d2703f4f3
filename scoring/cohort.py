"""A named cohort's KPIs over time: the portfolio KPIs of its accounts as of each month end.

Each month end is scored on the inputs as they stood then (`scoring.asof_cut`), the whole portfolio at once (so
scores and tiers rank the cohort among every account), and the KPIs summed over the cohort's accounts alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

import polars as pl

from scoring.asof_cut import cut_inputs
from scoring.engine import score_portfolio
from scoring.errors import ParameterError
from scoring.frames import ScoringInputs
from scoring.params import ScoringParams
from scoring.portfolio import portfolio_exprs

__all__ = ["cohort_history", "month_ends"]


def month_ends(as_of: date, months: int) -> list[date]:
    """The last `months` month ends on or before `as_of`, oldest first."""
    if months < 1:
        raise ParameterError("months", "must be at least 1")
    ends: list[date] = []
    day = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(days=1)
    while len(ends) < months:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def _tiers() -> list[pl.Expr]:
    return [(pl.col("tier") == tier).sum().alias(f"tier_{tier.lower()}") for tier in "ABCD"]


def cohort_history(
    inputs: ScoringInputs, keys: Collection[str], dates: Sequence[date], params: ScoringParams | None = None
) -> pl.DataFrame:
    """One row per date: the date, the cohort's portfolio KPIs, its mean score and its accounts per tier."""
    params = params or ScoringParams()
    members = pl.Series(sorted(set(keys)), dtype=pl.String())
    frames = []
    for day in dates:
        accounts = score_portfolio(cut_inputs(inputs, day), as_of=day, params=params).accounts
        cohort = accounts.filter(pl.col("key").is_in(members.implode()))
        frames.append(cohort.select(pl.lit(day).alias("as_of"), *portfolio_exprs(),
                                    pl.col("score").mean().alias("mean_score"), *_tiers()))  # fmt: skip
    return pl.concat(frames) if frames else pl.DataFrame()
