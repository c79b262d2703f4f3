"""Customer value of kpis.md section 3: CLV of an account and of the portfolio, share of wallet, headroom."""

from __future__ import annotations

import polars as pl

from scoring.params import ValueParams

__all__ = [
    "clv_expr",
    "expected_lifetime_years",
    "headroom_expr",
    "portfolio_clv",
    "share_of_wallet_expr",
    "wallet_expr",
]


def wallet_expr(params: ValueParams) -> pl.Expr:
    """The account's wallet: its `wallet_estimate` when present (even 0), else annual revenue times the
    industry's wallet ratio (industry matched case-insensitively), else null."""
    ratios = {industry.lower(): ratio for industry, ratio in params.wallet_ratio.items()}
    industry_ratio = (
        pl.col("industry").str.to_lowercase().replace_strict(ratios, default=None, return_dtype=pl.Float64())
    )
    return pl.coalesce(pl.col("wallet_estimate"), pl.col("annual_revenue") * industry_ratio)


def share_of_wallet_expr() -> pl.Expr:
    """ARR(T) / wallet clipped to [0, 1]; null when the wallet is unknown or not above 0."""
    wallet = pl.col("wallet")
    return pl.when(wallet > 0).then((pl.col("arr") / wallet).clip(0.0, 1.0)).otherwise(None)


def headroom_expr() -> pl.Expr:
    """max(wallet − ARR(T), 0); null when the wallet is unknown."""
    return pl.when(pl.col("wallet").is_not_null()).then(
        pl.max_horizontal(pl.col("wallet") - pl.col("arr"), pl.lit(0.0))
    )


def expected_lifetime_years(logo_churn_rate: float | None, params: ValueParams) -> float | None:
    """1 / logo churn rate, capped at `max_lifetime_years`; the cap when the rate is 0; null when null."""
    if logo_churn_rate is None:
        return None
    if logo_churn_rate == 0:
        return params.max_lifetime_years
    return min(1.0 / logo_churn_rate, params.max_lifetime_years)


def clv_expr(arr: pl.Expr, lifetime_years: float | None, params: ValueParams) -> pl.Expr:
    """ARR × gross margin × expected lifetime; null for every account when the lifetime is null."""
    if lifetime_years is None:
        return pl.lit(None, dtype=pl.Float64())
    return arr * params.gross_margin * lifetime_years


def portfolio_clv(arpa: float | None, lifetime_years: float | None, params: ValueParams) -> float | None:
    """CLV of the portfolio: ARPA in place of the account's ARR."""
    if arpa is None or lifetime_years is None:
        return None
    return arpa * params.gross_margin * lifetime_years
