"""Section 8: calendar months keep the day, clamped to the month's last day; W includes both ends."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import Window, add_months, add_months_series
from tests.lanes import examples


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 5, 31), 36, date(2028, 5, 31)),
    ],
)
def test_jan_31_plus_one_month_is_the_last_day_of_february(day, months, expected):
    assert add_months(day, months) == expected


def test_window_is_the_12_calendar_months_ending_at_t_both_ends_included():
    window = Window.ending(date(2024, 2, 29), 12)
    assert window.start == date(2023, 2, 28)
    inside = pl.Series([date(2023, 2, 27), date(2023, 2, 28), date(2024, 2, 29), date(2024, 3, 1)])
    assert pl.select(window.contains(pl.lit(inside))).to_series().to_list() == [False, True, True, False]


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.tuples(st.dates(date(1950, 1, 1), date(2100, 12, 31)), st.integers(0, 240)), min_size=1, max_size=20)
)
def test_column_form_of_add_months_agrees_with_the_scalar_one(pairs):
    days = pl.Series([day for day, _ in pairs], dtype=pl.Date)
    months = pl.Series([count for _, count in pairs], dtype=pl.Int64)
    assert add_months_series(days, months).to_list() == [add_months(day, count) for day, count in pairs]
