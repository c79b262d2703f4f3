"""Opportunities made ready for the figures: defaults filled, money converted, contracts dated."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scoring.calendar import add_months_series
from scoring.frames import DATED_RATES, empty_frame
from scoring.keys import positions
from scoring.money import corporate_rates, opportunity_rates
from scoring.params import ScoringParams
from scoring.quality import WarningCode, opportunity_warnings

__all__ = [
    "DEFAULT_TERM_MONTHS",
    "MAX_AMOUNT",
    "PREPARED_COLUMNS",
    "PreparedOpportunities",
    "corporate_rates",
    "money_bound",
    "prepare_opportunities",
]

DEFAULT_TERM_MONTHS = 12


def _probability(params: ScoringParams) -> pl.Expr:
    stage_default = pl.col("stage").replace_strict(
        dict(params.pipeline.stage_probabilities), default=None, return_dtype=pl.Float64()
    )
    return pl.coalesce(pl.col("probability"), stage_default)


def _contract_ends(opportunities: pl.DataFrame) -> pl.Series:
    """start_date (default: close_date) + term_months (default 12), for every opportunity."""
    dates = opportunities.select(
        pl.coalesce("start_date", "close_date").alias("start"),
        pl.col("term_months").fill_null(DEFAULT_TERM_MONTHS).alias("term"),
    )
    return add_months_series(dates.get_column("start"), dates.get_column("term"))


def _defaulted(opportunities: pl.DataFrame, accounts: pl.DataFrame, rates: pl.Series) -> pl.LazyFrame:
    """The opportunities with their account's row number (null: unknown account), rate and defaults."""
    account_index = positions(opportunities.get_column("account_key"), accounts.get_column("key"))
    start = pl.coalesce("start_date", "close_date")
    contract = pl.col("is_won") & pl.col("recurring") & (pl.col("term_months") >= 1) & start.is_not_null()
    return (
        opportunities.lazy()
        .with_columns(
            pl.lit(account_index).alias("account_index"),
            pl.lit(rates).alias("rate"),
            pl.col("recurring").fill_null(True),
            pl.col("term_months").fill_null(DEFAULT_TERM_MONTHS),
            (pl.col("is_closed") | pl.col("is_won")).alias("closed"),
            pl.col("created_at").dt.date().alias("created_date"),
            pl.lit(_contract_ends(opportunities)).alias("end_date"),
        )
        .with_columns(start.alias("start_date"), contract.fill_null(False).alias("contract"))
    )


# No deal is worth a quadrillion: such an amount is a typo, and would swamp every sum it joins.
MAX_AMOUNT = 1e15


def _present_amount() -> pl.Expr:
    return pl.col("amount").is_finite() & (pl.col("amount").abs() < MAX_AMOUNT)


def _usable_amount() -> pl.Expr:
    """A finite amount from 0 to MAX_AMOUNT: anything else is left out of money figures (and warned about)."""
    return _present_amount() & (pl.col("amount") >= 0)


def _derived(params: ScoringParams) -> list[pl.Expr]:
    amount = pl.when(_usable_amount()).then(pl.col("amount") * pl.col("rate"))
    return [
        amount.alias("amount_corporate"),
        pl.when(pl.col("contract")).then(amount * 12.0 / pl.col("term_months")).alias("acv"),
        _probability(params).alias("_probability_raw"),
    ]


Check = tuple[pl.Expr, WarningCode, pl.Expr]


def _money_checks(currency: str) -> list[Check]:
    amount = pl.col("amount")
    return [
        (
            _usable_amount().fill_null(False) & pl.col("rate").is_null(),
            WarningCode.MISSING_RATE,
            pl.format(
                "opportunity {}: no rate from {} to {}; left out of money figures",
                "key",
                pl.col("currency").fill_null("(no currency)"),
                pl.lit(currency),
            ),
        ),
        (
            ~_present_amount().fill_null(False),
            WarningCode.MISSING_AMOUNT,
            pl.format("opportunity {}: no usable amount ({}); left out of money figures", "key", amount),
        ),
        (
            _present_amount().fill_null(False) & (amount < 0),
            WarningCode.NEGATIVE_AMOUNT,
            pl.format("opportunity {}: negative amount {}; left out of money figures", "key", amount),
        ),
    ]


def _record_checks() -> list[Check]:
    raw, open_ = pl.col("_probability_raw"), ~pl.col("closed")
    return [
        (
            pl.col("is_won") & pl.col("recurring") & (pl.col("term_months") < 1),
            WarningCode.INVALID_TERM,
            pl.format("opportunity {}: term of {} months; not counted as a contract", "key", "term_months"),
        ),
        (
            open_ & raw.is_null(),
            WarningCode.UNKNOWN_PROBABILITY,
            pl.format("opportunity {}: no probability for stage {}; weighted at 0", "key", "stage"),
        ),
        (
            open_ & ((raw < 0.0) | (raw > 1.0)),
            WarningCode.INVALID_PROBABILITY,
            pl.format("opportunity {}: probability {} outside 0..1; clipped", "key", raw),
        ),
    ]


def _warnings(flagged: pl.LazyFrame, currency: str) -> list[pl.LazyFrame]:
    known = pl.col("account_index").is_not_null()
    orphan = opportunity_warnings(
        flagged,
        ~known,
        WarningCode.UNKNOWN_ACCOUNT,
        pl.format("opportunity {} names account {}, which is not in the store", "key", "account_key"),
    )
    checks = [*_money_checks(currency), *_record_checks()]
    return [orphan] + [
        opportunity_warnings(flagged, known & condition.fill_null(False), code, message)
        for condition, code, message in checks
    ]


PREPARED_COLUMNS = (
    "key",
    "account_key",
    "account_index",
    "amount_corporate",
    "stage",
    "is_won",
    "closed",
    "close_date",
    "created_date",
    "type",
    "product_line",
    "contract",
    "start_date",
    "end_date",
    "acv",
    "probability",
)


def money_bound(prepared: pl.DataFrame) -> float:
    """No money figure of the prepared opportunities sums beyond this: every one is at most 12 times an
    amount (an ACV over a one-month term), and no sum takes an amount twice."""
    total = prepared.select(pl.col("amount_corporate").abs().sum()).item()
    return 12.0 * float(total or 0.0)


@dataclass(frozen=True)
class PreparedOpportunities:
    """Opportunities of known accounts with corporate amounts (null when unknown) and contract dates.

    `account_index` is the row number of the opportunity's account in the conformed accounts frame.
    """

    frame: pl.DataFrame
    warnings: list[pl.LazyFrame]


def prepare_opportunities(
    opportunities: pl.DataFrame,
    accounts: pl.DataFrame,
    rates: pl.DataFrame,
    params: ScoringParams,
    dated_rates: pl.DataFrame | None = None,
) -> PreparedOpportunities:
    """Convert (see `scoring.money`), default and date the (conformed) opportunities of the known accounts."""
    dated = empty_frame(DATED_RATES) if dated_rates is None else dated_rates
    rate = opportunity_rates(opportunities, corporate_rates(rates, params.currency), dated)
    flagged = (
        _defaulted(opportunities, accounts, rate)
        .with_columns(pl.when(pl.col("contract")).then(pl.col("end_date")).alias("end_date"), *_derived(params))
        .with_columns(pl.col("_probability_raw").clip(0.0, 1.0).alias("probability"))
        .collect()
    )
    warnings = _warnings(flagged.lazy(), params.currency)
    frame = flagged.filter(pl.col("account_index").is_not_null()).select(PREPARED_COLUMNS)
    return PreparedOpportunities(frame=frame, warnings=warnings)
