"""Section 8 on money: conversion with the rate table, and what happens to records money cannot count."""

from __future__ import annotations

from datetime import date

import pytest

from scoring import InputSchemaError, ScoringInputs, WarningCode, score_portfolio

T = date(2026, 6, 30)


def codes(result) -> list[tuple[str, str | None]]:
    return result.warnings.select("code", "opportunity_key").rows()


def test_opportunity_in_currency_without_rate_is_left_out_of_money_and_warned(portfolio, row_of):
    portfolio.contract("usd", "A", 1000, date(2026, 1, 1), product_line="core")
    portfolio.contract("chf", "A", 5000, date(2026, 1, 1), currency="CHF", product_line="addon")
    portfolio.lost("lost-chf", "A", 700, date(2026, 2, 1), currency="CHF")
    portfolio.opportunity("open-chf", "A", 9000, currency="CHF", probability=0.5)
    result = portfolio.score()
    row = row_of(result, "A")
    assert row["arr"] == pytest.approx(1000)
    assert row["product_lines_held"] == 2  # counts keep it
    assert result.portfolio.win_rate_count == pytest.approx(2 / 3)  # counts keep it
    assert result.portfolio.win_rate_amount == pytest.approx(1.0)  # money leaves it out
    assert result.portfolio.open_pipeline == 0
    assert result.portfolio.tcv_won_in_window == pytest.approx(1000)
    missing = [key for code, key in codes(result) if code == WarningCode.MISSING_RATE]
    assert missing == ["chf", "lost-chf", "open-chf"]
    assert "no rate from CHF to USD" in result.warning_records()[0].message


def test_amount_is_converted_to_the_corporate_currency_with_its_rate(portfolio, row_of):
    portfolio.rates["EUR"] = 1.25
    portfolio.contract("eur", "A", 1000, date(2026, 1, 1), currency="EUR")
    assert row_of(portfolio.score(), "A")["arr"] == pytest.approx(1250)


def test_corporate_currency_needs_no_rate_row_but_a_rate_row_wins(portfolio, row_of):
    portfolio.contract("usd", "A", 1000, date(2026, 1, 1))
    assert row_of(portfolio.score(), "A")["arr"] == pytest.approx(1000)
    portfolio.rates["USD"] = 2.0
    assert row_of(portfolio.score(), "A")["arr"] == pytest.approx(2000)


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (None, WarningCode.MISSING_AMOUNT),
        (float("nan"), WarningCode.MISSING_AMOUNT),
        (-10.0, WarningCode.NEGATIVE_AMOUNT),
    ],
)
def test_missing_or_negative_amount_is_left_out_of_money_and_warned(portfolio, row_of, amount, code):
    portfolio.contract("ok", "A", 1000, date(2026, 1, 1))
    portfolio.contract("bad", "A", amount, date(2026, 1, 1))
    result = portfolio.score()
    assert row_of(result, "A")["arr"] == pytest.approx(1000)
    assert (code.value, "bad") in codes(result)


def test_rate_that_is_not_above_zero_is_rejected(portfolio):
    portfolio.rates["EUR"] = 0.0
    portfolio.contract("eur", "A", 1000, date(2026, 1, 1), currency="EUR")
    with pytest.raises(InputSchemaError, match=r"rates.*rate_to_corporate"):
        portfolio.score()


def test_opportunity_of_an_unknown_account_counts_nowhere_and_is_warned(portfolio):
    portfolio.contract("known", "A", 1000, date(2026, 1, 1))
    inputs = portfolio.inputs()
    orphan = portfolio.opportunities[0] | {"key": "orphan", "account_key": "ZZ"}
    portfolio.opportunities.append(orphan)
    result = score_portfolio(
        ScoringInputs(portfolio.inputs().accounts, portfolio.inputs().opportunities, inputs.rates), as_of=T
    )
    assert result.portfolio.arr == pytest.approx(1000)
    assert result.portfolio.win_rate_count == 1.0
    assert (WarningCode.UNKNOWN_ACCOUNT.value, "orphan") in codes(result)


def test_won_opportunity_not_flagged_closed_counts_as_closed(portfolio):
    portfolio.contract("o1", "A", 1000, date(2026, 1, 1), is_closed=False)
    kpis = portfolio.score().portfolio
    assert kpis.win_rate_count == 1.0
    assert kpis.open_pipeline == 0


def test_term_below_one_month_is_no_contract_and_is_warned(portfolio, row_of):
    portfolio.contract("o1", "A", 1000, date(2026, 1, 1), term=0)
    result = portfolio.score()
    assert row_of(result, "A")["arr"] == 0
    assert (WarningCode.INVALID_TERM.value, "o1") in codes(result)


def test_an_empty_rate_table_is_fine_for_a_single_currency_portfolio() -> None:
    import polars as pl

    from scoring import corporate_rates

    empty = pl.DataFrame(schema={"currency": pl.String(), "rate_to_corporate": pl.Float64()})
    assert corporate_rates(empty, "USD") == {"USD": 1.0}


def test_one_bad_rate_among_good_ones_is_rejected() -> None:
    import polars as pl

    from scoring import corporate_rates

    rates = pl.DataFrame({"currency": ["EUR", "GBP"], "rate_to_corporate": [1.08, 0.0]})
    with pytest.raises(InputSchemaError, match="finite number above 0"):
        corporate_rates(rates, "USD")
