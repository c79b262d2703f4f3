"""KPIs per owner (by name) and per sales team: the guide's team- and account-based incentives (ARPA growth,
GRR/NRR, cross-sell rate) and buying-committee coverage, over the per-account frame. Pure."""

from __future__ import annotations

from typing import Literal

import polars as pl

from scoring.arithmetic import money_sum, ratio
from scoring.errors import ParameterError
from scoring.portfolio import portfolio_exprs

__all__ = ["OWNER_COLUMNS", "PeopleSegment", "owner_kpis"]

PeopleSegment = Literal["owner", "team"]
OWNER_COLUMNS = ("owner", "owner_name", "team")  # the owner directory: owner id -> name and team
NO_NAME = "(unknown owner)"
NO_TEAM = "(no team)"


def _arpa_growth() -> pl.Expr:
    """ARPA at T over ARPA at the window's start, minus 1; null when no account paid at the start."""
    start = pl.col("arr_at_start")
    arpa_start = ratio(money_sum(start.filter(start > 0)), (start > 0).sum())
    arpa_now = ratio(money_sum(pl.col("arr")), (pl.col("arr") > 0).sum())
    return (ratio(arpa_now, arpa_start) - 1.0).alias("arpa_growth")


def owner_kpis(accounts: pl.DataFrame, directory: pl.DataFrame, by: PeopleSegment) -> pl.DataFrame:
    """One row per owner name (`owner`) or team (`team`), sorted by name, unknown last: the portfolio KPIs of
    its accounts, ARPA growth, mean coverage (when the accounts have it) and mean score."""
    if by not in ("owner", "team"):
        raise ParameterError("by", f"unknown grouping {by!r}; expected owner or team")
    names = directory.select(OWNER_COLUMNS).unique("owner", keep="first")
    frame = accounts.join(names, on="owner", how="left").with_columns(
        pl.coalesce(pl.col("owner_name"), pl.col("owner"), pl.lit(NO_NAME)).alias("owner_name"),
        pl.col("team").fill_null(NO_TEAM),
    )
    column = "owner_name" if by == "owner" else "team"
    extra = [pl.col("coverage").mean().alias("mean_coverage")] if "coverage" in accounts.columns else []
    return (
        frame.lazy()
        .group_by(column)
        .agg(*portfolio_exprs(), _arpa_growth(), *extra, pl.col("score").mean().alias("mean_score"))
        .rename({column: by})
        .sort(by)
        .collect()
    )
