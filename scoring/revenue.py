"""Revenue figures of kpis.md section 2: contracts, ACV, TCV, ARR at any date, movement, GRR, NRR, churn."""

from __future__ import annotations

from datetime import date

import polars as pl

from scoring.aggregation import Aggregation, aggregate
from scoring.arithmetic import money_sum, ratio
from scoring.calendar import Window
from scoring.opportunities import money_bound

__all__ = [
    "MOVEMENT_BUCKETS",
    "active_at",
    "arr_at",
    "contract_values",
    "movement_exprs",
    "revenue_aggregations",
    "revenue_portfolio_exprs",
]

MOVEMENT_BUCKETS = ("new", "expansion", "contraction", "churn")


def active_at(day: date) -> pl.Expr:
    """True for a contract active at `day`: start_date <= day < start_date + term_months."""
    return pl.col("contract") & (pl.col("start_date") <= day) & (pl.col("end_date") > day)


def contract_values(prepared: pl.DataFrame) -> pl.DataFrame:
    """ACV and TCV of every won opportunity of prepared opportunities (see `prepare_opportunities`).

    ACV is null for a won opportunity that is not a contract (one-time fee) or whose money is unknown.
    """
    return prepared.filter(pl.col("is_won")).select(
        "key",
        "account_key",
        "start_date",
        "end_date",
        pl.col("acv"),
        pl.col("amount_corporate").alias("tcv"),
    )


def _arr_on(day: date, name: str) -> Aggregation:
    return Aggregation(name, pl.when(active_at(day)).then(pl.col("acv")), "sum", money=True)


def arr_at(prepared: pl.DataFrame, day: date) -> pl.DataFrame:
    """ARR(account, day) for every account with at least one contract; MRR is this over 12."""
    contracts = prepared.lazy().filter(pl.col("contract"))
    bound = money_bound(prepared)
    return aggregate(contracts, "account_key", [_arr_on(day, "arr")], money_bound=bound).sort("account_key").collect()


def revenue_aggregations(window: Window) -> list[Aggregation]:
    """Per-account figures from prepared opportunities: ARR at T and at the window start, the earliest end
    among contracts active at T, TCV won inside W."""
    won_in_window = pl.col("is_won") & window.contains(pl.col("close_date"))
    return [
        _arr_on(window.end, "arr"),
        _arr_on(window.start, "arr_at_start"),
        Aggregation("next_contract_end", pl.when(active_at(window.end)).then(pl.col("end_date")), "min"),
        Aggregation("tcv_won_in_window", pl.when(won_in_window).then(pl.col("amount_corporate")), "sum", money=True),
    ]


def movement_exprs() -> list[pl.Expr]:
    """Per-account movement bucket and amount over W from `arr_at_start` (s) and `arr` (e)."""
    s, e = pl.col("arr_at_start"), pl.col("arr")
    bucket = (
        pl.when((s == 0) & (e > 0))
        .then(pl.lit("new"))
        .when((s > 0) & (e > s))
        .then(pl.lit("expansion"))
        .when((e > 0) & (e < s))
        .then(pl.lit("contraction"))
        .when((s > 0) & (e == 0))
        .then(pl.lit("churn"))
        .otherwise(None)
    )
    return [
        (e / 12.0).alias("mrr"),
        bucket.alias("movement"),
        pl.when(bucket.is_null()).then(0.0).otherwise((e - s).abs()).alias("movement_amount"),
    ]


def _bucket_sum(name: str) -> pl.Expr:
    return money_sum(pl.col("movement_amount").filter(pl.col("movement") == name))


def revenue_portfolio_exprs() -> list[pl.Expr]:
    """Portfolio revenue KPIs over the per-account frame (with `movement_exprs` applied)."""
    s = pl.col("arr_at_start")
    start_total = money_sum(s.filter(s > 0))
    lost = _bucket_sum("churn") + _bucket_sum("contraction")
    grr = ratio(start_total - lost, start_total)
    customers = (pl.col("arr") > 0).sum()
    arr = money_sum(pl.col("arr"))
    return [
        arr.alias("arr"),
        (arr / 12.0).alias("mrr"),
        ratio(arr, customers).alias("arpa"),
        customers.alias("customers"),
        pl.len().alias("accounts"),
        start_total.alias("arr_at_start"),
        *[_bucket_sum(name).alias(name) for name in MOVEMENT_BUCKETS],
        grr.alias("grr"),
        ratio(start_total - lost + _bucket_sum("expansion"), start_total).alias("nrr"),
        ratio((pl.col("movement") == "churn").sum(), (s > 0).sum()).alias("logo_churn_rate"),
        (1.0 - grr).alias("revenue_churn_rate"),
        money_sum(pl.col("tcv_won_in_window")).alias("tcv_won_in_window"),
    ]
