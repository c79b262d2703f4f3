"""Section 4: product lines held, cross-sell rate, up-sell rate."""

from __future__ import annotations

from datetime import date

import pytest


def test_product_lines_held_are_the_distinct_lines_of_active_contracts(portfolio, row_of):
    portfolio.contract("a1", "A", 100, date(2026, 1, 1), product_line="core")
    portfolio.contract("a2", "A", 100, date(2026, 2, 1), product_line="core")
    portfolio.contract("a3", "A", 100, date(2026, 2, 1), product_line=None)
    portfolio.contract("a4", "A", 100, date(2024, 1, 1), product_line="expired")
    portfolio.contract("a5", "A", 100, date(2026, 3, 1), product_line="security", recurring=False)
    portfolio.contract("a6", "A", 100, date(2026, 3, 1), product_line="analytics")
    assert row_of(portfolio.score(), "A")["product_lines_held"] == 2


def test_cross_sell_rate_is_customers_holding_two_lines_over_customers(portfolio):
    portfolio.contract("a1", "A", 100, date(2026, 1, 1), product_line="core")
    portfolio.contract("a2", "A", 100, date(2026, 1, 1), product_line="security")
    portfolio.contract("b1", "B", 100, date(2026, 1, 1), product_line="core")
    portfolio.contract("c1", "C", 100, date(2024, 1, 1), product_line="core")
    portfolio.contract("c2", "C", 100, date(2024, 1, 1), product_line="security")
    assert portfolio.score().portfolio.cross_sell_rate == pytest.approx(1 / 2)


def test_up_sell_rate_counts_retained_customers_with_a_won_expansion_inside_the_window(portfolio):
    # A: s > 0, still a customer, expansion won inside W -> counts.
    portfolio.contract("a1", "A", 100, date(2025, 1, 1), term=36)
    portfolio.contract("a2", "A", 50, date(2026, 1, 1), type="expansion")
    # B: s > 0, expansion inside W but churned by T -> not in the numerator.
    portfolio.contract("b1", "B", 100, date(2025, 1, 1))
    portfolio.contract("b2", "B", 20, date(2025, 7, 1), term=6, type="expansion")
    # C: s > 0, expansion won before the window -> not in the numerator.
    portfolio.contract("c1", "C", 100, date(2024, 6, 1), term=36, type="expansion")
    # D: s = 0, expansion inside W -> in neither.
    portfolio.contract("d1", "D", 100, date(2026, 1, 1), type="expansion")
    result = portfolio.score()
    assert result.accounts.filter("won_expansion_in_window").get_column("key").sort().to_list() == ["A", "B", "D"]
    assert result.portfolio.up_sell_rate == pytest.approx(1 / 3)


def test_up_sell_rate_is_null_when_no_account_had_arr_at_start(portfolio):
    portfolio.contract("a1", "A", 100, date(2026, 1, 1), type="expansion")
    assert portfolio.score().portfolio.up_sell_rate is None
