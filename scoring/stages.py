"""Stage history of kpis.md sections 5 and 8: linked to the opportunities, stage durations, stage counts.

A stage is named by its connection and stage id; the CRM's stage metadata (`STAGE_META`) gives its pipeline,
label, place and whether it is closed. Which stages are closed comes from that metadata only, never from where
closed opportunities sit. A stage with no metadata (a store pulled before its metadata, a stage since removed)
is closed only as the last row of its own closed opportunity when that is the stage the opportunity closed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from scoring.calendar import end_of_day, end_of_day_expr
from scoring.keys import positions

__all__ = [
    "STAGE_DURATION_SCHEMA",
    "LinkedHistory",
    "link_history",
    "stage_catalog",
    "stage_counts",
    "stage_durations",
    "stay_days",
]

_MICROSECONDS_PER_DAY = 86_400_000_000
_STAGE_KEY = ["connection", "stage"]
# Pipelines in their display order (ties by label, as HubSpot lists them), stages in theirs; what has no
# metadata after what has, by id.
_PIPELINE_ORDER = ["connection", "pipeline_order", "pipeline_label", "pipeline", "display_order", "stage"]
STAGE_DURATION_SCHEMA = pl.Schema(
    {
        "connection": pl.String(),
        "pipeline": pl.String(),
        "pipeline_label": pl.String(),
        "stage": pl.String(),
        "label": pl.String(),
        "stays": pl.UInt32(),
        "median_days": pl.Float64(),
        "p90_days": pl.Float64(),
    }
)


@dataclass(frozen=True)
class LinkedHistory:
    """History rows on or before T of known opportunities.

    `rows` holds `opportunity_index` (row in the prepared opportunities), `account_index`, `stage_code` (row
    of the stage in `stages`) and `entered_at`. `stages` is `stage_catalog`: one row per stage in pipeline
    order, so a lower code is an earlier stage.
    """

    rows: pl.DataFrame
    stages: pl.DataFrame


def stage_catalog(history: pl.DataFrame, meta: pl.DataFrame) -> pl.DataFrame:
    """Each (connection, stage) of `history` with its metadata, in pipeline order.

    Columns: connection, stage, label (the stage id when the metadata has none), pipeline, pipeline_label,
    pipeline_order, display_order, is_closed (null without metadata). Connections sort by name, pipelines
    by display order then label, stages by display order; stages without metadata come last in their
    connection.
    """
    known = meta.sort(_PIPELINE_ORDER, nulls_last=True).unique(_STAGE_KEY, keep="first", maintain_order=True)
    return (
        history.select(_STAGE_KEY)
        .unique()
        .join(known, on=_STAGE_KEY, how="left", nulls_equal=True)
        .with_columns(pl.coalesce("label", "stage").alias("label"))
        .sort(_PIPELINE_ORDER, nulls_last=True)
    )


def link_history(history: pl.DataFrame, prepared: pl.DataFrame, as_of: date, meta: pl.DataFrame) -> LinkedHistory:
    """Link the (conformed) stage history to the prepared opportunities and the (conformed) stage metadata;
    rows after T or of unknown opportunities are dropped."""
    rows = history.filter(pl.col("entered_at") < end_of_day(as_of))
    index = positions(rows.get_column("opportunity_key"), prepared.get_column("key"))
    stages = stage_catalog(rows, meta)
    codes = stages.select(*_STAGE_KEY, pl.int_range(stages.height, dtype=pl.UInt32()).alias("stage_code"))
    linked = (
        rows.lazy()
        .select(*_STAGE_KEY, "entered_at", pl.lit(index).alias("opportunity_index"))
        .join(codes.lazy(), on=_STAGE_KEY, how="left", nulls_equal=True, maintain_order="left")
        .select("opportunity_index", "stage_code", "entered_at")
        .filter(pl.col("opportunity_index").is_not_null())
        .collect()
    )
    accounts = prepared.get_column("account_index").gather(linked.get_column("opportunity_index"))
    return LinkedHistory(rows=linked.with_columns(accounts.alias("account_index")), stages=stages)


def _stay_end(as_of: date) -> pl.Expr:
    until = pl.lit(end_of_day(as_of))
    end = (
        pl.when(~pl.col("last"))
        .then(pl.col("entered_at").shift(-1))
        .when(~pl.col("closed"))
        .then(until)
        .otherwise(end_of_day_expr(pl.col("close_date")))
    )
    # Nothing after T counts: a close dated after T ends the stay at T.
    return pl.when(end.is_not_null()).then(pl.min_horizontal(end, until))


def _terminal() -> pl.Expr:
    """A closed stage per its metadata; without metadata, only the row its own closed opportunity closed in."""
    closing_row = pl.col("last") & pl.col("closed") & (pl.col("stage_name") == pl.col("current_stage"))
    return pl.coalesce(pl.col("stage_closed"), closing_row.fill_null(False))


def stay_days(linked: LinkedHistory, prepared: pl.DataFrame, as_of: date) -> pl.LazyFrame:
    """One row per stay in an open stage (opportunity_index, stage_code, days), days fractional and >= 0.

    A stay ends at the next history row, else at T when the opportunity is open, else at its close date;
    a stay with no known end (closed with no close date) is left out. Rows entered at the same instant are
    ordered by their stages' place in the pipeline, so the result never depends on row order.
    """
    ordered = linked.rows.select("opportunity_index", "entered_at", "stage_code").sort(
        ["opportunity_index", "entered_at", "stage_code"]
    )
    opportunity = ordered.get_column("opportunity_index")
    code = ordered.get_column("stage_code")
    status = prepared.select("closed", "close_date", pl.col("stage").alias("current_stage"))[opportunity]
    stage = linked.stages.select(pl.col("stage").alias("stage_name"), pl.col("is_closed").alias("stage_closed"))
    elapsed = (_stay_end(as_of) - pl.col("entered_at")).dt.total_microseconds()
    return (
        pl.concat([ordered, status, stage[code]], how="horizontal")
        .lazy()
        .with_columns(
            (pl.col("opportunity_index").shift(-1) != pl.col("opportunity_index")).fill_null(True).alias("last")
        )
        .with_columns((elapsed / _MICROSECONDS_PER_DAY).clip(lower_bound=0.0).alias("days"))
        .filter(~_terminal() & pl.col("days").is_not_null())
        .select("opportunity_index", "stage_code", "days")
    )


def stage_durations(linked: LinkedHistory, prepared: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Per open stage: number of stays, median and p90 days (linear interpolation), with the stage's
    connection, pipeline and label, in pipeline order (see `stage_catalog`)."""
    catalog = linked.stages.with_row_index("stage_code").with_columns(pl.col("stage_code").cast(pl.UInt32()))
    return (
        stay_days(linked, prepared, as_of)
        .group_by("stage_code")
        .agg(
            pl.len().alias("stays"),
            pl.col("days").median().alias("median_days"),
            pl.col("days").quantile(0.9, interpolation="linear").alias("p90_days"),
        )
        .join(catalog.lazy(), on="stage_code", how="left")
        .sort("stage_code")
        .select(STAGE_DURATION_SCHEMA.names())
        .collect()
        .cast(STAGE_DURATION_SCHEMA)
    )


def stage_counts(linked: LinkedHistory, prepared: pl.DataFrame) -> pl.DataFrame:
    """Per opportunity with history on or before T: the number of distinct stages in its rows.

    Rows follow the order of the opportunities (sorting millions of string keys would cost more than the
    count itself); the figures never depend on row order.
    """
    width = max(linked.stages.height, 1)
    pairs = linked.rows.select(pl.col("opportunity_index").cast(pl.UInt64()) * width + pl.col("stage_code"))
    # Sorted (opportunity, stage) pairs: distinct ones in one linear pass, then a run length per opportunity.
    runs = (pairs.to_series().sort().unique() // width).cast(pl.UInt32()).rle().struct.unnest()
    keys = prepared.get_column("key").gather(runs.get_column("value"))
    return pl.DataFrame({"opportunity_key": keys, "stage_count": runs.get_column("len").cast(pl.UInt32())})
