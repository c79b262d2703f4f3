"""Calendar arithmetic of kpis.md section 8: whole months that keep the day, clamped to the month's end."""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

__all__ = [
    "Window",
    "add_months",
    "add_months_expr",
    "add_months_series",
    "end_of_day",
    "end_of_day_expr",
]


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, clamped: Jan 31 + 1 month = Feb 28 (29 in a leap year)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_months_expr(dates: pl.Expr, months: pl.Expr) -> pl.Expr:
    """Column form of `add_months`; null when either side is null."""
    # polars' offset_by clamps to the month's last day, as section 8 asks.
    return dates.dt.offset_by(pl.format("{}mo", months))


_MONTHS_BITS = 20  # a term up to a million months fits; anything else has no end date


def add_months_series(dates: pl.Series, months: pl.Series) -> pl.Series:
    """Column form of `add_months` for months in 0..2**20 − 1 (null elsewhere), each distinct
    (date, months) pair computed once: portfolios repeat a few thousand pairs across millions of rows."""
    valid = months.is_between(0, 2**_MONTHS_BITS - 1)
    codes = pl.select(
        pl.when(valid).then(dates.cast(pl.Int32).cast(pl.Int64) * 2**_MONTHS_BITS + months.cast(pl.Int64))
    ).to_series()
    distinct = codes.drop_nulls().unique()
    starts = (distinct // 2**_MONTHS_BITS).cast(pl.Int32).cast(pl.Date)
    ends = pl.select(add_months_expr(pl.lit(starts), pl.lit(distinct % 2**_MONTHS_BITS))).to_series()
    return codes.replace_strict(distinct, ends, default=None, return_dtype=pl.Date()).alias(dates.name)


def end_of_day(day: date) -> datetime:
    """The instant a UTC calendar day ends: events stamped on `day` are on or before it."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def end_of_day_expr(dates: pl.Expr) -> pl.Expr:
    """Column form of `end_of_day`, as microsecond UTC timestamps."""
    return (dates.cast(pl.Datetime("us")) + pl.duration(days=1)).dt.replace_time_zone("UTC")


@dataclass(frozen=True)
class Window:
    """The window W = [start, end] of section 2, both ends included; `end` is the as-of date T."""

    start: date
    end: date

    @classmethod
    def ending(cls, as_of: date, months: int) -> Window:
        """The `months` calendar months ending at `as_of`."""
        return cls(start=add_months(as_of, -months), end=as_of)

    def contains(self, dates: pl.Expr) -> pl.Expr:
        """True where the date falls inside the window, null where the date is null."""
        return dates.is_between(pl.lit(self.start), pl.lit(self.end), closed="both")
