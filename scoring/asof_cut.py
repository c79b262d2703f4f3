"""The inputs as they stood at a past as-of date T: nothing created, closed, entered or reported after T.

T as an instant is the END of that UTC day (kpis.md section 8): a record stamped on T is known at T, one
stamped on T + 1 is not. The store keeps each record's latest state, so the state at T is rebuilt:

- an account or opportunity created after T is left out (an opportunity with no `created_at` is kept only
  when it closed on or before T);
- an opportunity that closed after T (or closed with no close date) was open at T: it is reopened in the stage
  its history shows at T (its current stage when open and without history), with no close date and, when the
  stage differs from the current one, no probability of its own (the stage's default applies);
- stage history rows entered after T, dated rates valid after T and usage months not complete by T are left
  out (a month's usage is only known once the month is over).

What the store does not date cannot be rewound: an account's industry, size or owner and an opportunity's
amount are taken as they are now.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from scoring.calendar import add_months_expr, end_of_day
from scoring.frames import ScoringInputs

__all__ = ["closed_by", "cut_inputs"]


def closed_by(as_of: date) -> pl.Expr:
    """True for an opportunity closed on or before `as_of` (a closed one with no close date never is)."""
    return (pl.col("is_closed") & (pl.col("close_date") <= as_of)).fill_null(False)


def _stage_at(history: pl.DataFrame) -> pl.DataFrame:
    """The stage each opportunity was in at the end of the (already cut) history."""
    return (
        history.sort("opportunity_key", "entered_at", maintain_order=True)
        .group_by("opportunity_key", maintain_order=True)
        .agg(pl.col("stage").last().alias("_stage_at"))
        .rename({"opportunity_key": "key"})
    )


def _opportunities_at(opportunities: pl.DataFrame, history: pl.DataFrame, as_of: date) -> pl.DataFrame:
    instant = end_of_day(as_of)
    existed = (pl.col("created_at") < instant) | (pl.col("created_at").is_null() & closed_by(as_of))
    known = opportunities.filter(existed.fill_null(False))
    closed = closed_by(as_of)
    current_open_stage = pl.when(~pl.col("is_closed")).then(pl.col("stage"))
    stage = pl.coalesce(pl.col("_stage_at"), current_open_stage)
    same_stage = (stage == pl.col("stage")) & ~pl.col("is_closed")
    return (
        known.join(_stage_at(history), on="key", how="left")
        .with_columns(
            pl.when(closed).then(pl.col("stage")).otherwise(stage).alias("stage"),
            pl.when(closed)
            .then(pl.col("probability"))
            .when(same_stage)
            .then(pl.col("probability"))
            .alias("probability"),
            pl.when(closed).then(pl.col("close_date")).alias("close_date"),
            closed.alias("is_closed"),
            (closed & pl.col("is_won")).alias("is_won"),
        )
        .select(opportunities.columns)
    )


def cut_inputs(inputs: ScoringInputs, as_of: date) -> ScoringInputs:
    """The conformed `inputs` as known at the end of `as_of` (see the module docstring)."""
    data = inputs.conformed()
    instant = end_of_day(as_of)
    accounts = data.accounts.filter((pl.col("created_at") < instant) | pl.col("created_at").is_null())
    opportunities = data.opportunities.filter(pl.col("account_key").is_in(accounts.get_column("key").implode()))
    history = data.stage_history.filter(pl.col("entered_at") < instant)
    cut = _opportunities_at(opportunities, history, as_of)
    history = history.filter(pl.col("opportunity_key").is_in(cut.get_column("key").implode()))
    month_over = add_months_expr(pl.col("month"), pl.lit(1)) <= as_of + timedelta(days=1)
    return ScoringInputs(
        accounts=accounts,
        opportunities=cut,
        rates=data.rates,
        stage_history=history,
        usage=data.usage.filter(month_over),
        stage_meta=data.stage_meta,
        dated_rates=data.dated_rates.filter(pl.col("valid_from") <= as_of),
    )
