"""The as-of dates of a review: each quarter (or month) start whose horizon is over by the review's date."""

from __future__ import annotations

from datetime import date
from typing import Literal

from scoring.calendar import add_months
from scoring.errors import ParameterError

__all__ = ["Every", "as_of_dates"]

Every = Literal["quarter", "month"]
_STEP: dict[str, int] = {"quarter": 3, "month": 1}


def as_of_dates(today: date, every: Every, years: int, horizon_months: int) -> list[date]:
    """Period starts from `years` before `today` up to the last one whose horizon ends on or before `today`;
    none when that span is empty or falls before the calendar's first year."""
    if years < 1 or horizon_months < 1:
        raise ParameterError("review", "years and horizon must be at least 1")
    step = _STEP[every]
    try:
        first, last = add_months(today, -12 * years), add_months(today, -horizon_months)
    except ValueError:  # before year 1
        return []
    month = (first.month - 1) // step * step + 1
    day = date(first.year, month, 1)
    if day < first:
        day = add_months(day, step)
    dates = []
    while day <= last:
        dates.append(day)
        day = add_months(day, step)
    return dates
