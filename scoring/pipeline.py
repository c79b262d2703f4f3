"""Pipeline and process figures of kpis.md section 5: win rates, sales cycle, open and weighted pipeline."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from scoring.arithmetic import money_sum, ratio
from scoring.calendar import Window

__all__ = [
    "account_pipeline_exprs",
    "pipeline_portfolio_exprs",
    "sales_cycle_days",
]


def _closed_in(window: Window) -> pl.Expr:
    return pl.col("closed") & window.contains(pl.col("close_date")).fill_null(False)


def account_pipeline_exprs(window: Window, recent_win_days: int) -> list[pl.Expr]:
    """Per-account aggregations over prepared opportunities: win/loss counts and amounts inside W, open and
    weighted pipeline, and recent wins (won and closed within `recent_win_days` days up to T)."""
    closed = _closed_in(window)
    won = closed & pl.col("is_won")
    lost = closed & ~pl.col("is_won")
    open_ = ~pl.col("closed")
    recent = Window(window.end - timedelta(days=recent_win_days), window.end)
    recent_won = pl.col("is_won") & recent.contains(pl.col("close_date")).fill_null(False)
    amount = pl.col("amount_corporate")
    return [
        won.sum().alias("won_in_window"),
        lost.sum().alias("lost_in_window"),
        money_sum(amount.filter(won)).alias("won_amount_in_window"),
        money_sum(amount.filter(lost)).alias("lost_amount_in_window"),
        money_sum(amount.filter(open_)).alias("open_pipeline"),
        money_sum((amount * pl.col("probability").fill_null(0.0)).filter(open_)).alias("weighted_pipeline"),
        money_sum(amount.filter(recent_won)).alias("recent_wins"),
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
