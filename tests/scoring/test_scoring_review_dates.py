"""The review's as-of dates: period starts within the years asked whose horizon is over by the review date."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.errors import ParameterError
from scoring.review_dates import as_of_dates


def test_quarter_starts_over_two_years_with_a_six_month_horizon() -> None:
    assert as_of_dates(date(2026, 10, 1), "quarter", 2, 6) == [
        date(2024, 10, 1), date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1),
        date(2026, 1, 1), date(2026, 4, 1),
    ]  # fmt: skip


def test_a_quarter_start_before_the_first_day_is_left_out_and_the_last_horizon_ends_by_the_review_date() -> None:
    # 2024-12-07 to 2026-06-07: the first quarter start is 2025-01-01, the last 2026-04-01 (its horizon ends
    # 2026-10-01, before the review date; 2026-07-01's would end in 2027).
    dates = as_of_dates(date(2026, 12, 7), "quarter", 2, 6)
    assert (dates[0], dates[-1], len(dates)) == (date(2025, 1, 1), date(2026, 4, 1), 6)


def test_month_starts() -> None:
    assert as_of_dates(date(2026, 4, 1), "month", 1, 10) == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]
    assert as_of_dates(date(2026, 3, 31), "month", 1, 12) == []  # 2025-03-31 .. 2025-03-31 holds no month start


def test_a_zero_horizon_is_refused() -> None:
    with pytest.raises(ParameterError):
        as_of_dates(date(2026, 3, 31), "month", 1, 0)
