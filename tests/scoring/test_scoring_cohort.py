"""A cohort's KPIs as of each month end, on the inputs as they stood then, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.cohort import cohort_history, month_ends
from tests.scoring.conftest import Portfolio, at


def test_month_ends_are_the_last_ones_on_or_before_the_date() -> None:
    assert month_ends(date(2026, 4, 30), 3) == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert month_ends(date(2026, 3, 15), 2) == [date(2026, 1, 31), date(2026, 2, 28)]


def test_the_cohort_kpis_count_only_its_accounts_and_what_was_known_at_each_month_end() -> None:
    p = Portfolio()
    p.rates = {"USD": 1.0}
    p.contract("k2", "c2", 6000.0, date(2026, 1, 10), created_at=at(date(2025, 12, 1)))
    p.contract("k1", "c1", 12000.0, date(2026, 3, 15), created_at=at(date(2026, 2, 1)))
    p.contract("kx", "x", 99000.0, date(2025, 6, 1))  # not in the cohort
    # c1's deal was open at the end of February (created Feb 1, won Mar 15): pipeline then, ARR after.
    history = cohort_history(p.inputs(), {"c1", "c2", "nobody"}, month_ends(date(2026, 4, 30), 4))
    rows = history.select("as_of", "accounts", "customers", "arr", "open_pipeline").rows()
    assert rows == [
        (date(2026, 1, 31), 2, 1, pytest.approx(6000.0), pytest.approx(0.0)),
        (date(2026, 2, 28), 2, 1, pytest.approx(6000.0), pytest.approx(12000.0)),
        (date(2026, 3, 31), 2, 2, pytest.approx(18000.0), pytest.approx(0.0)),
        (date(2026, 4, 30), 2, 2, pytest.approx(18000.0), pytest.approx(0.0)),
    ]
    assert history.select(["tier_a", "tier_b", "tier_c", "tier_d"]).sum_horizontal().to_list() == [2, 2, 2, 2]
