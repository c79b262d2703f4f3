"""Backtest of the account score: the portfolio scored as of past dates, beside what happened next.

For each as-of date T the inputs are cut at T (`scoring.asof_cut`), scored as `score_portfolio` scores them,
and each account is given what happened in the horizon (T, T + horizon months], from the full inputs:

- `new_business_won`: a won `new_business` opportunity closed in the horizon; asked of prospects only (ARR at
  T is 0): a customer is not a candidate for new business;
- `expansion_won`: a won `expansion` opportunity closed in the horizon; asked of customers only (ARR at T > 0);
- `churned`: ARR at T > 0 and ARR at the horizon's end 0; asked of customers only.

An outcome not asked of an account is null. `decile` is 1 for the top tenth of the scores at T, 10 for the
bottom tenth (null when the score is null).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from scoring.asof_cut import cut_inputs
from scoring.calendar import add_months
from scoring.engine import score_portfolio
from scoring.frames import ScoringInputs
from scoring.opportunities import prepare_opportunities
from scoring.params import ScoringParams
from scoring.revenue import arr_at
from scoring.score import COMPONENTS

__all__ = ["BACKTEST_COLUMNS", "OUTCOMES", "Backtest", "backtest", "outcomes_at", "scored_at"]

OUTCOMES = ("new_business_won", "expansion_won", "churned")
BACKTEST_COLUMNS = ("as_of", "key", "score", "tier", "decile", "arr", *COMPONENTS, *OUTCOMES)


_EMPTY = pl.DataFrame(
    schema={"as_of": pl.Date(), "key": pl.String(), "score": pl.Float64(), "tier": pl.String(), "decile": pl.Int64(),
            "arr": pl.Float64(), **dict.fromkeys(COMPONENTS, pl.Float64()), **dict.fromkeys(OUTCOMES, pl.Boolean())}
)  # fmt: skip


@dataclass(frozen=True)
class Backtest:
    """One row per (as-of date, account) known at that date, with the columns of `BACKTEST_COLUMNS`."""

    frame: pl.DataFrame
    as_of_dates: tuple[date, ...]
    horizon_months: int


def scored_at(inputs: ScoringInputs, as_of: date, params: ScoringParams) -> pl.DataFrame:
    """The accounts scored on the inputs cut at `as_of`: key, score, tier, decile, arr and the components."""
    accounts = score_portfolio(cut_inputs(inputs, as_of), as_of=as_of, params=params).accounts
    known = accounts.get_column("score").count()
    # Rows come in rank order (score descending, nulls last): the row number gives the decile.
    decile = (pl.int_range(pl.len()) * 10 // max(known, 1) + 1).clip(1, 10)
    return accounts.select(
        pl.lit(as_of).alias("as_of"),
        "key",
        "score",
        "tier",
        pl.when(pl.col("score").is_not_null()).then(decile).cast(pl.Int64()).alias("decile"),
        pl.col("arr").fill_null(0.0),
        *COMPONENTS,
    )


def outcomes_at(prepared: pl.DataFrame, scored: pl.DataFrame, as_of: date, horizon_months: int) -> pl.DataFrame:
    """`scored` with the three outcomes of the horizon after `as_of` (see the module docstring).

    `prepared` is the full (uncut) inputs' `prepare_opportunities(...).frame`.
    """
    end = add_months(as_of, horizon_months)
    in_horizon = pl.col("is_won") & (pl.col("close_date") > as_of) & (pl.col("close_date") <= end)
    won = (
        prepared.filter(in_horizon)
        .group_by("account_key")
        .agg(
            (pl.col("type") == "new_business").any().alias("_new"),
            (pl.col("type") == "expansion").any().alias("_expansion"),
        )
    )
    later = arr_at(prepared, end).select(pl.col("account_key"), pl.col("arr").alias("_arr_end"))
    customer = pl.col("arr") > 0
    return (
        scored.join(won, left_on="key", right_on="account_key", how="left")
        .join(later, left_on="key", right_on="account_key", how="left")
        .with_columns(
            pl.when(~customer).then(pl.col("_new").fill_null(False)).alias("new_business_won"),
            pl.when(customer).then(pl.col("_expansion").fill_null(False)).alias("expansion_won"),
            pl.when(customer).then(pl.col("_arr_end").fill_null(0.0) <= 0).alias("churned"),
        )
        .select(BACKTEST_COLUMNS)
    )


def backtest(
    inputs: ScoringInputs,
    as_of_dates: Sequence[date],
    *,
    params: ScoringParams | None = None,
    horizon_months: int = 6,
    scored: Callable[[date], None] | None = None,
) -> Backtest:
    """Score the portfolio as of each date and attach what happened in the following `horizon_months`;
    `scored` is told each date once it is scored (a progress bar)."""
    params = params or ScoringParams()
    data = inputs.conformed()
    prepared = prepare_opportunities(data.opportunities, data.accounts, data.rates, params, data.dated_rates).frame
    frames = []
    for day in sorted(as_of_dates):
        frames.append(outcomes_at(prepared, scored_at(data, day, params), day, horizon_months))
        if scored is not None:
            scored(day)
    frame = pl.concat(frames) if frames else _EMPTY.clear()
    return Backtest(frame=frame, as_of_dates=tuple(sorted(as_of_dates)), horizon_months=horizon_months)
