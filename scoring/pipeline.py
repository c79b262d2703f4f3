"""Pipeline and process figures of kpis.md section 5: win rates, sales cycle, open and weighted pipeline."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from scoring.aggregation import Aggregation
from scoring.arithmetic import money_sum, ratio
from scoring.calendar import Window

__all__ = [
    "pipeline_aggregations",
    "pipeline_portfolio_exprs",
    "sales_cycle_days",
]


def _closed_in(window: Window) -> pl.Expr:
    return pl.col("closed") & window.contains(pl.col("close_date")).fill_null(False)


def pipeline_aggregations(window: Window, recent_win_days: int) -> list[Aggregation]:
    """Per-account figures from prepared opportunities: win/loss counts and amounts inside W, open and
    weighted pipeline, and recent wins (won and closed within `recent_win_days` days up to T)."""
    closed = _closed_in(window)
    won = closed & pl.col("is_won")
    lost = closed & ~pl.col("is_won")
    open_ = ~pl.col("closed")
    recent = Window(window.end - timedelta(days=recent_win_days), window.end)
    recent_won = pl.col("is_won") & recent.contains(pl.col("close_date")).fill_null(False)
    amount = pl.col("amount_corporate")
    weighted = amount * pl.col("probability").fill_null(0.0)
    return [
        Aggregation("won_in_window", won.cast(pl.UInt32()), "sum"),
        Aggregation("lost_in_window", lost.cast(pl.UInt32()), "sum"),
        Aggregation("won_amount_in_window", pl.when(won).then(amount), "sum", money=True),
        Aggregation("lost_amount_in_window", pl.when(lost).then(amount), "sum", money=True),
        Aggregation("open_pipeline", pl.when(open_).then(amount), "sum", money=True),
        Aggregation("weighted_pipeline", pl.when(open_).then(weighted), "sum", money=True),
        Aggregation("recent_wins", pl.when(recent_won).then(amount), "sum", money=True),
    ]


def pipeline_portfolio_exprs() -> list[pl.Expr]:
    """Portfolio pipeline KPIs over the per-account frame."""
    won, lost = pl.col("won_in_window").sum(), pl.col("lost_in_window").sum()
    won_amount = money_sum(pl.col("won_amount_in_window"))
    lost_amount = money_sum(pl.col("lost_amount_in_window"))
    return [
        ratio(won, won + lost).alias("win_rate_count"),
        ratio(won_amount, won_amount + lost_amount).alias("win_rate_amount"),
        money_sum(pl.col("open_pipeline")).alias("open_pipeline"),
        money_sum(pl.col("weighted_pipeline")).alias("weighted_pipeline"),
    ]


def sales_cycle_days(prepared: pl.DataFrame, window: Window) -> float | None:
    """Median whole days from creation to close of the opportunities won inside W (every currency).

    The median of an even count is the mean of the middle two; null when no such opportunity has both dates.
    """
    days = (
        prepared.lazy()
        .filter(_closed_in(window) & pl.col("is_won"))
        .select((pl.col("close_date") - pl.col("created_date")).dt.total_days().median().alias("days"))
        .collect()
        .item()
    )
    return None if days is None else float(days)
