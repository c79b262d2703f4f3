"""Stage history of kpis.md sections 5 and 8: linked to the opportunities, stage durations, stage counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from scoring.calendar import end_of_day, end_of_day_expr
from scoring.keys import positions

__all__ = [
    "STAGE_DURATION_SCHEMA",
    "LinkedHistory",
    "closed_stage_names",
    "link_history",
    "stage_counts",
    "stage_durations",
    "stay_days",
]

_MICROSECONDS_PER_DAY = 86_400_000_000
STAGE_DURATION_SCHEMA = pl.Schema(
    {"stage": pl.String(), "stays": pl.UInt32(), "median_days": pl.Float64(), "p90_days": pl.Float64()}
)


@dataclass(frozen=True)
class LinkedHistory:
    """History rows on or before T of known opportunities.

    `rows` holds `opportunity_index` (row in the prepared opportunities), `account_index`, `stage_code`
    (position of the stage in `stages`, which is sorted) and `entered_at`.
    """

    rows: pl.DataFrame
    stages: pl.Series


def link_history(history: pl.DataFrame, prepared: pl.DataFrame, as_of: date) -> LinkedHistory:
    """Link the (conformed) stage history to the prepared opportunities; other rows are dropped."""
    rows = history.filter(pl.col("entered_at") < end_of_day(as_of))
    index = positions(rows.get_column("opportunity_key"), prepared.get_column("key"))
    stages = rows.get_column("stage").unique().sort()
    code = pl.col("stage").replace_strict(stages, pl.int_range(stages.len(), eager=True), return_dtype=pl.UInt32())
    linked = (
        rows.lazy()
        .select(pl.lit(index).alias("opportunity_index"), code.alias("stage_code"), "entered_at")
        .filter(pl.col("opportunity_index").is_not_null())
        .collect()
    )
    accounts = prepared.get_column("account_index").gather(linked.get_column("opportunity_index"))
    return LinkedHistory(rows=linked.with_columns(accounts.alias("account_index")), stages=stages)


def closed_stage_names(prepared: pl.DataFrame, configured: frozenset[str] | None) -> list[str]:
    """The terminal stages: as configured, else the current stage of every closed opportunity."""
    if configured is not None:
        return sorted(configured)
    names = prepared.filter(pl.col("closed")).get_column("stage").drop_nulls().unique()
    return sorted(names.to_list())


def _stay_end(as_of: date) -> pl.Expr:
    same_opportunity = pl.col("opportunity_index").shift(-1) == pl.col("opportunity_index")
    until = pl.lit(end_of_day(as_of))
    end = (
        pl.when(same_opportunity)
        .then(pl.col("entered_at").shift(-1))
        .when(~pl.col("closed"))
        .then(until)
        .otherwise(end_of_day_expr(pl.col("close_date")))
    )
    # Nothing after T counts: a close dated after T ends the stay at T.
    return pl.when(end.is_not_null()).then(pl.min_horizontal(end, until))


def stay_days(linked: LinkedHistory, prepared: pl.DataFrame, as_of: date, closed: list[str]) -> pl.LazyFrame:
    """One row per stay in an open stage (opportunity_index, stage_code, days), days fractional and >= 0.

    A stay ends at the next history row, else at T when the opportunity is open, else at its close date;
    a stay with no known end (closed with no close date) is left out. Rows entered at the same instant are
    ordered by stage name, so the result never depends on row order.
    """
    closed_codes = [code for code, name in enumerate(linked.stages.to_list()) if name in set(closed)]
    ordered = linked.rows.select("opportunity_index", "entered_at", "stage_code").sort(
        ["opportunity_index", "entered_at", "stage_code"]
    )
    opportunity = ordered.get_column("opportunity_index")
    status = prepared.select("closed", "close_date")[opportunity]
    elapsed = (_stay_end(as_of) - pl.col("entered_at")).dt.total_microseconds()
    return (
        pl.concat([ordered, status], how="horizontal")
        .lazy()
        .with_columns((elapsed / _MICROSECONDS_PER_DAY).clip(lower_bound=0.0).alias("days"))
        .filter(~pl.col("stage_code").is_in(closed_codes) & pl.col("days").is_not_null())
        .select("opportunity_index", "stage_code", "days")
    )


def stage_durations(
    linked: LinkedHistory, prepared: pl.DataFrame, as_of: date, configured: frozenset[str] | None
) -> pl.DataFrame:
    """Per open stage: number of stays, median and p90 days (linear interpolation), sorted by stage."""
    names = linked.stages
    codes = pl.int_range(names.len(), eager=True, dtype=pl.UInt32())
    stage = pl.col("stage_code").replace_strict(codes, names, return_dtype=pl.String()).alias("stage")
    return (
        stay_days(linked, prepared, as_of, closed_stage_names(prepared, configured))
        .group_by("stage_code")
        .agg(
            pl.len().alias("stays"),
            pl.col("days").median().alias("median_days"),
            pl.col("days").quantile(0.9, interpolation="linear").alias("p90_days"),
        )
        .sort("stage_code")
        .select(stage, pl.all().exclude("stage_code"))
        .collect()
        .cast(STAGE_DURATION_SCHEMA)
    )


def stage_counts(linked: LinkedHistory, prepared: pl.DataFrame) -> pl.DataFrame:
    """Per opportunity with history on or before T: the number of distinct stages in its rows.

    Rows follow the order of the opportunities (sorting millions of string keys would cost more than the
    count itself); the figures never depend on row order.
    """
    width = max(linked.stages.len(), 1)
    pairs = linked.rows.select(pl.col("opportunity_index").cast(pl.UInt64()) * width + pl.col("stage_code"))
    # Sorted (opportunity, stage) pairs: distinct ones in one linear pass, then a run length per opportunity.
    runs = (pairs.to_series().sort().unique() // width).cast(pl.UInt32()).rle().struct.unnest()
    keys = prepared.get_column("key").gather(runs.get_column("value"))
    return pl.DataFrame({"opportunity_key": keys, "stage_count": runs.get_column("len").cast(pl.UInt32())})
