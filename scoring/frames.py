"""The input frames of kpis.md section 1: their schemas and the check that conforms a frame to one."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from scoring.errors import DuplicateKeyError, InputSchemaError

__all__ = [
    "ACCOUNTS",
    "DATED_RATES",
    "FRAME_SPECS",
    "OPPORTUNITIES",
    "PREVIOUS_SCORES",
    "RATES",
    "STAGE_HISTORY",
    "STAGE_META",
    "USAGE",
    "UTC_TIMESTAMP",
    "ColumnSpec",
    "FrameSpec",
    "ScoringInputs",
    "conform_frame",
    "empty_frame",
]

UTC_TIMESTAMP = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input frame.

    `nullable` columns may hold nulls; `optional` columns may also be left out, and are then added as nulls.
    """

    name: str
    dtype: pl.DataType
    nullable: bool = True
    optional: bool = False


@dataclass(frozen=True)
class FrameSpec:
    """An input frame: its columns and the column whose values must be unique, if any."""

    name: str
    columns: tuple[ColumnSpec, ...]
    unique_key: str | None = None

    @property
    def schema(self) -> pl.Schema:
        """The polars schema of the conformed frame."""
        return pl.Schema({column.name: column.dtype for column in self.columns})


def _required(name: str, dtype: pl.DataType) -> ColumnSpec:
    return ColumnSpec(name, dtype, nullable=False)


def _optional(name: str, dtype: pl.DataType) -> ColumnSpec:
    return ColumnSpec(name, dtype, optional=True)


ACCOUNTS = FrameSpec(
    "accounts",
    (
        _required("key", pl.String()),
        ColumnSpec("name", pl.String()),
        ColumnSpec("domain", pl.String()),
        ColumnSpec("industry", pl.String()),
        ColumnSpec("employees", pl.Int64()),
        ColumnSpec("annual_revenue", pl.Float64()),
        _optional("currency", pl.String()),  # of annual_revenue; null: already in the corporate currency
        ColumnSpec("country", pl.String()),
        ColumnSpec("owner", pl.String()),
        ColumnSpec("parent_key", pl.String()),
        _optional("wallet_estimate", pl.Float64()),
        ColumnSpec("created_at", UTC_TIMESTAMP),
    ),
    unique_key="key",
)
OPPORTUNITIES = FrameSpec(
    "opportunities",
    (
        _required("key", pl.String()),
        _required("account_key", pl.String()),
        ColumnSpec("amount", pl.Float64()),
        ColumnSpec("currency", pl.String()),
        ColumnSpec("stage", pl.String()),
        _required("is_closed", pl.Boolean()),
        _required("is_won", pl.Boolean()),
        ColumnSpec("close_date", pl.Date()),
        ColumnSpec("created_at", UTC_TIMESTAMP),
        ColumnSpec("type", pl.String()),
        _optional("product_line", pl.String()),
        _optional("recurring", pl.Boolean()),
        _optional("term_months", pl.Int64()),
        _optional("start_date", pl.Date()),
        _optional("probability", pl.Float64()),
    ),
    unique_key="key",
)
STAGE_HISTORY = FrameSpec(
    "stage_history",
    (
        _required("opportunity_key", pl.String()),
        _required("stage", pl.String()),
        _required("entered_at", UTC_TIMESTAMP),
        # The CRM connection the row came from: with `stage`, it names the stage in `STAGE_META`.
        _optional("connection", pl.String()),
    ),
)
# The CRMs' stage metadata (Salesforce OpportunityStage, HubSpot deal pipelines): which stages are closed, and
# each stage's label and place; one row per (connection, stage). Salesforce has one pipeline (null here).
STAGE_META = FrameSpec(
    "stage_meta",
    (
        _optional("connection", pl.String()),
        _required("stage", pl.String()),
        ColumnSpec("label", pl.String()),
        _required("is_closed", pl.Boolean()),
        _optional("display_order", pl.Int64()),
        _optional("pipeline", pl.String()),
        _optional("pipeline_label", pl.String()),
        _optional("pipeline_order", pl.Int64()),
    ),
)
USAGE = FrameSpec(
    "usage",
    (
        _required("account_key", pl.String()),
        _required("month", pl.Date()),
        ColumnSpec("active_users", pl.Int64()),
        ColumnSpec("licensed_seats", pl.Int64()),
    ),
)
RATES = FrameSpec(
    "rates",
    (_required("currency", pl.String()), _required("rate_to_corporate", pl.Float64())),
    unique_key="currency",
)
# Rates by date (Salesforce DatedConversionRate, rebased): an opportunity closed on or after `valid_from`
# takes the rate of its currency's latest such row; before the first one, or with no close date, `RATES`.
DATED_RATES = FrameSpec(
    "dated_rates",
    (
        _required("currency", pl.String()),
        _required("valid_from", pl.Date()),
        _required("rate_to_corporate", pl.Float64()),
    ),
)
# The last scoring run's per-account results (`ScoringResult.previous_scores()`), for the change reason.
PREVIOUS_SCORES = FrameSpec(
    "previous",
    (
        _required("key", pl.String()),
        _required("scored_at", pl.Date()),
        ColumnSpec("score", pl.Float64()),
        _optional("fit", pl.Float64()),
        _optional("potential", pl.Float64()),
        _optional("momentum", pl.Float64()),
        _optional("health_component", pl.Float64()),
        _optional("headroom", pl.Float64()),
        _optional("weighted_pipeline", pl.Float64()),
        _optional("recent_wins", pl.Float64()),
        _optional("coverage_component", pl.Float64()),
    ),
    unique_key="key",
)
FRAME_SPECS: dict[str, FrameSpec] = {
    spec.name: spec
    for spec in (ACCOUNTS, OPPORTUNITIES, STAGE_HISTORY, STAGE_META, USAGE, RATES, DATED_RATES, PREVIOUS_SCORES)
}


def _cast_allowed(actual: pl.DataType, expected: pl.DataType) -> bool:
    if actual == expected or actual == pl.Null():
        return True
    if expected == pl.Int64():
        return actual.is_integer()
    if expected == pl.Float64():
        return actual.is_numeric()
    if expected == pl.String():
        return isinstance(actual, pl.Categorical | pl.Enum)
    if isinstance(expected, pl.Datetime):
        # Any unit is fine; a naive timestamp is not: it could be local time.
        return isinstance(actual, pl.Datetime) and actual.time_zone is not None
    return False


def _conform_column(spec: FrameSpec, column: ColumnSpec, frame: pl.DataFrame) -> pl.Expr:
    if column.name not in frame.columns:
        if not column.optional:
            raise InputSchemaError(spec.name, column.name, "missing")
        return pl.lit(None, dtype=column.dtype).alias(column.name)
    actual = frame.schema[column.name]
    if not _cast_allowed(actual, column.dtype):
        raise InputSchemaError(spec.name, column.name, f"expected {column.dtype}, got {actual}")
    expr = pl.col(column.name)
    if isinstance(actual, pl.Datetime) and actual.time_zone not in (None, "UTC"):
        expr = expr.dt.convert_time_zone("UTC")
    return expr.cast(column.dtype) if actual != column.dtype else expr


def _check_nulls(spec: FrameSpec, frame: pl.DataFrame) -> None:
    required = [column.name for column in spec.columns if not column.nullable]
    if not required or frame.is_empty():
        return
    counts = frame.select(pl.col(required).null_count()).row(0, named=True)
    for name in required:
        if counts[name]:
            raise InputSchemaError(spec.name, name, f"{counts[name]} null value(s) in a required column")


def _check_unique(spec: FrameSpec, frame: pl.DataFrame) -> None:
    if spec.unique_key is None or frame.is_empty():
        return
    keys = frame.get_column(spec.unique_key)
    # Distinct hashes prove distinct keys, several times faster than comparing strings; only a repeated
    # hash (a duplicate, or rarely a collision) needs the exact count.
    if keys.hash().n_unique() == keys.len() or keys.n_unique() == keys.len():
        return
    duplicated = keys.filter(keys.is_duplicated())
    raise DuplicateKeyError(spec.name, spec.unique_key, str(duplicated.min()), duplicated.n_unique())


def conform_frame(spec: FrameSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` with exactly the columns of `spec`, in order and with their types.

    Lossless casts are made (any integer width, integer to float, categorical to string, a UTC-aware
    timestamp of another unit or zone); a missing optional column is added as nulls; extra columns are
    dropped. Raises `InputSchemaError` naming the frame and column otherwise, and `DuplicateKeyError`
    when the frame's unique key repeats.
    """
    conformed = frame.select([_conform_column(spec, column, frame) for column in spec.columns])
    _check_nulls(spec, conformed)
    _check_unique(spec, conformed)
    return conformed


def empty_frame(spec: FrameSpec) -> pl.DataFrame:
    """An empty frame with the schema of `spec`."""
    return pl.DataFrame(schema=spec.schema)


@dataclass(frozen=True)
class ScoringInputs:
    """The normalized store read into frames; stage history, stage metadata, usage and dated rates may be left
    out."""

    accounts: pl.DataFrame
    opportunities: pl.DataFrame
    rates: pl.DataFrame
    stage_history: pl.DataFrame = field(default_factory=lambda: empty_frame(STAGE_HISTORY))
    usage: pl.DataFrame = field(default_factory=lambda: empty_frame(USAGE))
    stage_meta: pl.DataFrame = field(default_factory=lambda: empty_frame(STAGE_META))
    dated_rates: pl.DataFrame = field(default_factory=lambda: empty_frame(DATED_RATES))
    coverage: pl.DataFrame | None = None  # one row per account (`scoring.coverage_frame`) once people are pulled

    def conformed(self) -> ScoringInputs:
        """The same inputs, each frame checked and conformed to its spec (see `conform_frame`)."""
        return ScoringInputs(
            accounts=conform_frame(ACCOUNTS, self.accounts),
            opportunities=conform_frame(OPPORTUNITIES, self.opportunities),
            rates=conform_frame(RATES, self.rates),
            stage_history=conform_frame(STAGE_HISTORY, self.stage_history),
            usage=conform_frame(USAGE, self.usage),
            stage_meta=conform_frame(STAGE_META, self.stage_meta),
            dated_rates=conform_frame(DATED_RATES, self.dated_rates),
            coverage=self.coverage,
        )
