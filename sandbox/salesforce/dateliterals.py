"""SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, ...) as the half-open day ranges they stand for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

RELATIVE_DATES: Final = frozenset({
    "TODAY", "YESTERDAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH",
    "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
})  # fmt: skip
RELATIVE_N_DATES: Final = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})


@dataclass(frozen=True, slots=True)
class RelativeDate:
    """A date literal such as TODAY or LAST_N_DAYS:30, resolved against the clock when evaluated."""

    name: str
    n: int = 0

    def bounds(self, now: datetime) -> tuple[date, date]:
        """The half-open range of days [start, end) the literal stands for."""
        today = now.astimezone(UTC).date()
        day = timedelta(days=1)
        fixed = {
            "TODAY": (today, today + day),
            "YESTERDAY": (today - day, today),
            "TOMORROW": (today + day, today + 2 * day),
            "LAST_90_DAYS": (today - 90 * day, today + day),
            "NEXT_90_DAYS": (today + day, today + 91 * day),
            "LAST_N_DAYS": (today - self.n * day, today + day),
            "NEXT_N_DAYS": (today + day, today + (self.n + 1) * day),
            "N_DAYS_AGO": (today - self.n * day, today - (self.n - 1) * day),
        }
        if self.name in fixed:
            return fixed[self.name]
        return _calendar_bounds(self.name, today)


def _calendar_bounds(name: str, today: date) -> tuple[date, date]:
    shift = {"LAST": -1, "THIS": 0, "NEXT": 1}[name.split("_")[0]]
    unit = name.split("_")[1]
    if unit == "WEEK":
        start = today - timedelta(days=(today.weekday() + 1) % 7) + timedelta(weeks=shift)
        return start, start + timedelta(weeks=1)
    if unit == "YEAR":
        return date(today.year + shift, 1, 1), date(today.year + shift + 1, 1, 1)
    month = today.year * 12 + today.month - 1 + shift
    start = date(month // 12, month % 12 + 1, 1)
    return start, date((month + 1) // 12, (month + 1) % 12 + 1, 1)
