"""Data-quality warnings: records the figures leave out or guess about, returned beside the figures."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

__all__ = [
    "WARNING_SCHEMA",
    "DataQualityWarning",
    "WarningCode",
    "account_quality_warnings",
    "account_warnings",
    "collect_warnings",
    "opportunity_warnings",
    "warning_records",
]

WARNING_SCHEMA = pl.Schema(
    {
        "code": pl.String(),
        "account_key": pl.String(),
        "opportunity_key": pl.String(),
        "message": pl.String(),
    }
)


class WarningCode(StrEnum):
    """What a warning is about; the message says which record and why."""

    MISSING_RATE = "missing_rate"
    MISSING_AMOUNT = "missing_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_TERM = "invalid_term"
    UNKNOWN_PROBABILITY = "unknown_probability"
    INVALID_PROBABILITY = "invalid_probability"
    UNKNOWN_WALLET = "unknown_wallet"
    MISSING_OWNER = "missing_owner"


@dataclass(frozen=True)
class DataQualityWarning:
    """One warning about one account or opportunity."""

    code: WarningCode
    account_key: str
    opportunity_key: str | None
    message: str


def opportunity_warnings(
    opportunities: pl.LazyFrame, condition: pl.Expr, code: WarningCode, message: pl.Expr
) -> pl.LazyFrame:
    """One warning per opportunity (columns `key`, `account_key`) where `condition` holds."""
    return opportunities.filter(condition).select(
        pl.lit(code.value).alias("code"),
        pl.col("account_key"),
        pl.col("key").alias("opportunity_key"),
        message.alias("message"),
    )


def account_warnings(accounts: pl.LazyFrame, condition: pl.Expr, code: WarningCode, message: pl.Expr) -> pl.LazyFrame:
    """One warning per account (column `key`) where `condition` holds."""
    return accounts.filter(condition).select(
        pl.lit(code.value).alias("code"),
        pl.col("key").alias("account_key"),
        pl.lit(None, dtype=pl.String()).alias("opportunity_key"),
        message.alias("message"),
    )


def collect_warnings(parts: list[pl.LazyFrame]) -> pl.DataFrame:
    """All warnings in one frame, in a stable order (code, account, opportunity)."""
    if not parts:
        return pl.DataFrame(schema=WARNING_SCHEMA)
    return pl.concat(parts, how="vertical").sort(["code", "account_key", "opportunity_key"], nulls_last=True).collect()


def warning_records(warnings: pl.DataFrame) -> list[DataQualityWarning]:
    """The warnings frame as dataclasses, for callers that report a handful of them."""
    return [
        DataQualityWarning(
            code=WarningCode(row["code"]),
            account_key=row["account_key"],
            opportunity_key=row["opportunity_key"],
            message=row["message"],
        )
        for row in warnings.iter_rows(named=True)
    ]


def account_quality_warnings(accounts: pl.DataFrame) -> list[pl.LazyFrame]:
    """Warnings about accounts: no owner, unknown wallet (needs the `wallet` column of the figures)."""
    frame = accounts.lazy()
    return [
        account_warnings(
            frame,
            pl.col("owner").str.strip_chars().replace("", None).is_null(),
            WarningCode.MISSING_OWNER,
            pl.format("account {} has no owner", "key"),
        ),
        account_warnings(
            frame,
            pl.col("wallet").is_null(),
            WarningCode.UNKNOWN_WALLET,
            pl.format(
                "account {}: no wallet estimate and no wallet ratio for industry {}; share of wallet and "
                "headroom unknown",
                "key",
                pl.col("industry").fill_null("(none)"),
            ),
        ),
    ]
