"""Portfolio KPIs: the per-account figures summed and divided into the spec's rates, in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from scoring.crosssell import crosssell_portfolio_exprs
from scoring.pipeline import pipeline_portfolio_exprs
from scoring.revenue import revenue_portfolio_exprs

__all__ = [
    "PortfolioKpis",
    "portfolio_exprs",
    "portfolio_row",
]


def portfolio_exprs() -> list[pl.Expr]:
    """Every portfolio KPI over the per-account frame; also valid per group (see `scoring.segments`)."""
    return [*revenue_portfolio_exprs(), *crosssell_portfolio_exprs(), *pipeline_portfolio_exprs()]


@dataclass(frozen=True)
class PortfolioKpis:
    """The portfolio's KPIs at T over W, money in `currency`; a rate is None when its denominator is 0."""

    as_of: date
    window_start: date
    currency: str
    accounts: int
    customers: int
    arr: float
    mrr: float
    arpa: float | None
    arr_at_start: float
    new: float
    expansion: float
    contraction: float
    churn: float
    grr: float | None
    nrr: float | None
    logo_churn_rate: float | None
    revenue_churn_rate: float | None
    expected_lifetime_years: float | None
    portfolio_clv: float | None
    tcv_won_in_window: float
    cross_sell_rate: float | None
    up_sell_rate: float | None
    win_rate_count: float | None
    win_rate_amount: float | None
    sales_cycle_days: float | None
    open_pipeline: float
    weighted_pipeline: float


def portfolio_row(accounts: pl.DataFrame) -> dict[str, Any]:
    """The portfolio KPIs computable from the per-account frame alone, by name."""
    return accounts.select(portfolio_exprs()).row(0, named=True)
