"""Money into the corporate currency (kpis.md section 8), in one place: every rate scoring applies is found here.

An opportunity's amount takes its currency's dated rate of its close date when there is one, else the
currency's rate; an account's annual revenue takes its currency's rate. No rate: the money is left out (null)
and a warning says so; it is never counted at 1.0.
"""

from __future__ import annotations

import polars as pl

from scoring.errors import InputSchemaError
from scoring.quality import WarningCode, account_warnings

__all__ = ["accounts_in_corporate", "corporate_rates", "opportunity_rates"]


def corporate_rates(rates: pl.DataFrame, currency: str) -> dict[str, float]:
    """Rate to the corporate currency by currency; the corporate currency is 1.0 unless the table names it.

    Raises `InputSchemaError` when a rate is not a finite number above 0.
    """
    _check_positive("rates", rates)
    table = dict(
        zip(rates.get_column("currency").to_list(), rates.get_column("rate_to_corporate").to_list(), strict=True)
    )
    return {currency: 1.0, **table}


def _check_positive(frame: str, rates: pl.DataFrame) -> None:
    rate = pl.col("rate_to_corporate")
    if rates.select((~(rate.is_finite() & (rate > 0))).any()).item():
        raise InputSchemaError(frame, "rate_to_corporate", "every rate must be a finite number above 0")


def _static(currency: pl.Expr, rates: dict[str, float]) -> pl.Expr:
    return currency.replace_strict(rates, default=None, return_dtype=pl.Float64())


def opportunity_rates(opportunities: pl.DataFrame, rates: dict[str, float], dated: pl.DataFrame) -> pl.Series:
    """Each opportunity's rate (row for row): the dated rate of its currency on its close date, else its
    currency's rate, else null. Raises `InputSchemaError` for a dated rate that is not above 0."""
    static = opportunities.select(_static(pl.col("currency"), rates).alias("rate")).get_column("rate")
    if dated.is_empty() or opportunities.is_empty():
        return static
    _check_positive("dated_rates", dated)
    on_date = (
        opportunities.select("currency", "close_date")
        .with_row_index("_row")
        .filter(pl.col("currency").is_not_null() & pl.col("close_date").is_not_null())
        .sort("close_date")
        .join_asof(
            dated.sort("valid_from").rename({"rate_to_corporate": "_dated"}),
            left_on="close_date",
            right_on="valid_from",
            by="currency",
            strategy="backward",
        )
    )
    by_row = pl.Series("_dated", [None] * opportunities.height, dtype=pl.Float64())
    by_row = by_row.scatter(on_date.get_column("_row"), on_date.get_column("_dated"))
    return pl.select(pl.coalesce(pl.lit(by_row), pl.lit(static)).alias("rate")).to_series()


def accounts_in_corporate(
    accounts: pl.DataFrame, rates: dict[str, float], currency: str
) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """The accounts with `annual_revenue` in the corporate currency (a null `currency` means it already is),
    and one warning per account whose revenue is in a currency with no rate (its revenue becomes unknown)."""
    rate = pl.when(pl.col("currency").is_null()).then(pl.lit(1.0)).otherwise(_static(pl.col("currency"), rates))
    flagged = accounts.with_columns(rate.alias("_rate"))
    warnings = account_warnings(
        flagged.lazy(),
        pl.col("annual_revenue").is_not_null() & pl.col("_rate").is_null(),
        WarningCode.MISSING_RATE,
        pl.format(
            "account {}: no rate from {} to {}; its annual revenue is left out (wallet unknown)",
            "key",
            "currency",
            pl.lit(currency),
        ),
    )
    converted = flagged.with_columns((pl.col("annual_revenue") * pl.col("_rate")).alias("annual_revenue"))
    return converted.drop("_rate"), warnings
