"""Section 8: money into the corporate currency before any figure: annual revenue by its currency's rate,
amounts by the dated rate of their close date where there is one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from scoring import InputSchemaError, ScoringParams, ValueParams, WarningCode, score_portfolio

from .conftest import T

TECH = ScoringParams(value=ValueParams(wallet_ratio={"Technology": 0.1}))


def _dated(rows: list[tuple[str, date, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"currency": c, "valid_from": d, "rate_to_corporate": r} for c, d, r in rows],
        schema={"currency": pl.String, "valid_from": pl.Date, "rate_to_corporate": pl.Float64},
    )


def test_annual_revenue_in_yen_is_converted_before_the_wallet(portfolio, row_of):
    portfolio.rates["JPY"] = 0.0066
    portfolio.account("A", industry="Technology", annual_revenue=1_000_000.0, currency="JPY")
    portfolio.account("B", industry="Technology", annual_revenue=1_000.0)  # no currency: already ours
    result = portfolio.score(params=TECH)
    assert row_of(result, "A")["wallet"] == pytest.approx(1_000_000 * 0.0066 * 0.1)
    assert row_of(result, "A")["annual_revenue"] == pytest.approx(6_600)
    assert row_of(result, "B")["wallet"] == pytest.approx(100)


def test_annual_revenue_in_a_currency_with_no_rate_leaves_the_wallet_unknown_with_one_warning(portfolio, row_of):
    portfolio.account("A", industry="Technology", annual_revenue=5_000.0, currency="CHF")
    result = portfolio.score(params=TECH)
    assert row_of(result, "A")["wallet"] is None
    assert row_of(result, "A")["headroom"] is None
    warnings = result.warnings.filter(pl.col("code") == WarningCode.MISSING_RATE.value)
    assert warnings.select("account_key", "opportunity_key").rows() == [("A", None)]
    assert "CHF" in warnings.item(0, "message")


@pytest.mark.parametrize(
    ("closed", "rate"),
    [
        (date(2025, 9, 1), 1.1),  # before the first dated rate: the currency's rate
        (date(2026, 1, 1), 1.2),  # the day a dated rate starts
        (date(2026, 3, 31), 1.2),
        (date(2026, 4, 1), 1.25),
    ],
)
def test_an_amount_takes_the_dated_rate_of_its_close_date(portfolio, row_of, closed, rate):
    portfolio.contract("o1", "A", 1000.0, closed, currency="EUR")
    dated = _dated([("EUR", date(2026, 1, 1), 1.2), ("EUR", date(2026, 4, 1), 1.25), ("GBP", date(2025, 1, 1), 9.0)])
    result = score_portfolio(replace(portfolio.inputs(), dated_rates=dated), as_of=T)
    assert row_of(result, "A")["arr"] == pytest.approx(1000.0 * rate)


def test_a_dated_rate_that_is_not_above_0_is_refused(portfolio):
    portfolio.contract("o1", "A", 1000.0, date(2026, 2, 1), currency="EUR")
    dated = _dated([("EUR", date(2026, 1, 1), 0.0)])
    with pytest.raises(InputSchemaError, match="dated_rates"):
        score_portfolio(replace(portfolio.inputs(), dated_rates=dated), as_of=T)
