"""Health score of kpis.md sections 6 and 8: utilisation, usage trend, renewal proximity, engagement."""

from __future__ import annotations

from datetime import date

import polars as pl

from scoring.aggregation import Aggregation
from scoring.arithmetic import weighted_mean
from scoring.keys import positions
from scoring.params import HealthParams

__all__ = [
    "HEALTH_COMPONENTS",
    "activity_aggregations",
    "engagement_expr",
    "health_expr",
    "history_activity",
    "renewal_expr",
    "usage_components",
]

HEALTH_COMPONENTS = ("utilisation", "usage_trend", "renewal", "engagement")


def _known_sum(column: str) -> pl.Expr:
    # A sum over nothing but nulls is unknown, not 0.
    return pl.when(pl.col(column).count() > 0).then(pl.col(column).sum())


def _monthly_usage(usage: pl.DataFrame, accounts: pl.DataFrame, as_of: date) -> pl.LazyFrame:
    """Usage of known accounts summed per account and calendar month (months at or before T), with `back`:
    months before the account's latest month."""
    month = pl.col("month").dt.month_start()
    index = month.dt.year().cast(pl.Int64) * 12 + month.dt.month().cast(pl.Int64)
    rows = usage.filter(month <= as_of)
    account_index = positions(rows.get_column("account_key"), accounts.get_column("key"))
    return (
        rows.lazy()
        .with_columns(pl.lit(account_index).alias("account_index"))
        .filter(pl.col("account_index").is_not_null())
        .group_by("account_index", index.alias("month_index"))
        .agg(_known_sum("active_users").alias("active"), _known_sum("licensed_seats").alias("seats"))
        .with_columns((pl.col("month_index").max().over("account_index") - pl.col("month_index")).alias("back"))
    )


def _trend_score(recent: pl.Expr, earlier: pl.Expr, bound: float) -> pl.Expr:
    change = pl.when(earlier != 0).then((recent - earlier) / earlier)
    return ((change + bound) / (2 * bound)).clip(0.0, 1.0) * 100.0


def usage_components(usage: pl.DataFrame, accounts: pl.DataFrame, as_of: date, params: HealthParams) -> pl.DataFrame:
    """Per account with usage (`account_index`: its row in `accounts`): utilisation and usage-trend
    components (0..100, null when unknown).

    Utilisation is active users / licensed seats of the latest month; the trend compares the mean active
    users of that month and the two before it with the mean of the three months before those.
    """
    active, seats, back = pl.col("active"), pl.col("seats"), pl.col("back")
    latest_ratio = pl.when(seats > 0).then(active / seats).filter(back == 0).first()
    recent = active.filter(back <= 2).mean()
    earlier = active.filter(back.is_between(3, 5)).mean()
    return (
        _monthly_usage(usage, accounts, as_of)
        .group_by("account_index")
        .agg(
            (latest_ratio.clip(0.0, 1.0) * 100.0).alias("utilisation"),
            _trend_score(recent, earlier, params.trend_bound).alias("usage_trend"),
        )
        .collect()
    )


def activity_aggregations(as_of: date) -> list[Aggregation]:
    """Per-account figure from prepared opportunities: the latest creation or close on or before T."""
    created = pl.when(pl.col("created_date") <= as_of).then(pl.col("created_date"))
    closed = pl.when(pl.col("closed") & (pl.col("close_date") <= as_of)).then(pl.col("close_date"))
    return [Aggregation("last_opportunity_activity", pl.max_horizontal(created, closed), "max")]


def history_activity(linked: pl.DataFrame) -> pl.DataFrame:
    """Per account: the date of its latest stage-history entry on or before T (`LinkedHistory.rows`)."""
    return linked.group_by("account_index").agg(pl.col("entered_at").max().dt.date().alias("last_stage_activity"))


def renewal_expr(as_of: date, params: HealthParams) -> pl.Expr:
    """100 when the earliest end among contracts active at T is more than the bound away, linear to 0."""
    days = (pl.col("next_contract_end") - pl.lit(as_of)).dt.total_days()
    return (days / params.renewal_full_days).clip(0.0, 1.0) * 100.0


def engagement_expr(as_of: date, params: HealthParams) -> pl.Expr:
    """100 when the latest activity is at most `engagement_full_days` old, 0 from `engagement_zero_days`."""
    last = pl.max_horizontal("last_opportunity_activity", "last_stage_activity")
    days = (pl.lit(as_of) - last).dt.total_days()
    span = params.engagement_zero_days - params.engagement_full_days
    return ((params.engagement_zero_days - days) / span).clip(0.0, 1.0) * 100.0


def health_expr(params: HealthParams) -> pl.Expr:
    """Weighted mean of the known components for customers (ARR(T) > 0); null for prospects."""
    parts = [
        (pl.col("utilisation"), params.utilisation_weight),
        (pl.col("usage_trend"), params.trend_weight),
        (pl.col("renewal"), params.renewal_weight),
        (pl.col("engagement"), params.engagement_weight),
    ]
    return pl.when(pl.col("arr") > 0).then(weighted_mean(parts))
