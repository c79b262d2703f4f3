"""The histogram of a window: the aggregate SOQL asked, the periods read back, and finer periods where records
crowd, checked against records counted by hand."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from connectors.base import Window
from connectors.salesforce.histogram import Bucket, buckets_of, grain_for, histogram, histogram_query

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_query_groups_the_window_by_utc_day_and_hour() -> None:
    soql = histogram_query("Account", "SystemModstamp", Window(T0, T0 + timedelta(days=2)), "hour")
    assert soql == (
        "SELECT DAY_ONLY(SystemModstamp) d, HOUR_IN_DAY(SystemModstamp) h, COUNT(Id) n, MIN(SystemModstamp) lo, "
        "MAX(SystemModstamp) hi FROM Account "
        "WHERE SystemModstamp > 2026-01-01T00:00:00.000Z AND SystemModstamp <= 2026-01-03T00:00:00.000Z "
        "GROUP BY DAY_ONLY(SystemModstamp), HOUR_IN_DAY(SystemModstamp)"
    )


@pytest.mark.parametrize(
    ("span", "grain"),
    [(timedelta(hours=1997), "hour"), (timedelta(hours=1999), "day"), (timedelta(days=1997), "day"),
     (timedelta(days=2000), "month"), (timedelta(days=31 * 1998), None)],
)  # fmt: skip
def test_the_grain_keeps_the_groups_under_two_thousand(span, grain) -> None:
    assert grain_for(span) == grain


def test_periods_are_read_back_as_utc_intervals_in_time_order() -> None:
    rows = [{"y": 2026, "m": 12, "n": 3}, {"y": 2025, "m": 2, "n": 1}]
    assert buckets_of(rows, "month") == [
        Bucket(datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC), 1),
        Bucket(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), 3),
    ]
    row = {
        "d": "2026-03-04",
        "h": 23,
        "n": 7,
        "lo": "2026-03-04T23:10:00.000+0000",
        "hi": "2026-03-04T23:20:00.001+0000",
    }
    assert buckets_of([row], "hour") == [
        Bucket(datetime(2026, 3, 4, 23, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC), 7,
               datetime(2026, 3, 4, 23, 10, tzinfo=UTC), datetime(2026, 3, 4, 23, 20, 0, 1000, tzinfo=UTC))
    ]  # fmt: skip


class Org:
    """Answers the histogram queries from a list of stamps, as an org's aggregate queryAll would."""

    BOUND = re.compile(r"SystemModstamp (>|<=) (\S+)Z")

    def __init__(self, stamps: list[datetime]) -> None:
        self.stamps = stamps
        self.asked: list[str] = []

    def __call__(self, soql: str) -> Sequence[Mapping[str, Any]]:
        self.asked.append(soql)
        bounds = {op: datetime.fromisoformat(v).replace(tzinfo=UTC) for op, v in self.BOUND.findall(soql)}
        inside = [s for s in self.stamps if (">" not in bounds or s > bounds[">"]) and s <= bounds["<="]]
        if "HOUR_IN_DAY" in soql:
            counts = Counter((s.date().isoformat(), s.hour) for s in inside)
            return [{"d": d, "h": h, "n": n} for (d, h), n in counts.items()]
        if "DAY_ONLY" in soql:
            return [{"d": d, "n": n} for d, n in Counter(s.date().isoformat() for s in inside).items()]
        return [{"y": y, "m": m, "n": n} for (y, m), n in Counter((s.year, s.month) for s in inside).items()]


def test_a_full_read_asks_months_then_days_then_hours_where_records_crowd() -> None:
    # 300 records a month through 2025 (under half a slice of 1,120), then 2,000 on 2026-01-10, 1,500 of them
    # between 15:00 and 16:00
    stamps = [datetime(2025, m, d, tzinfo=UTC) for m in range(1, 13) for d in range(1, 26) for _ in range(12)]
    stamps += [datetime(2026, 1, 10, 3, tzinfo=UTC)] * 500 + [datetime(2026, 1, 10, 15, 30, tzinfo=UTC)] * 1500
    org = Org(stamps)
    end = datetime(2026, 1, 20, tzinfo=UTC)

    found = histogram(org, "Account", "SystemModstamp", Window(None, end), lambda n: max(1, n // 1000))  # 5 slices

    assert ["CALENDAR_MONTH" in q for q in org.asked] == [True, False, False]
    assert ["HOUR_IN_DAY" in q for q in org.asked] == [False, False, True]
    assert sum(b.count for b in found) == len(stamps)
    assert Bucket(datetime(2026, 1, 10, 15, tzinfo=UTC), datetime(2026, 1, 10, 16, tzinfo=UTC), 1500) in found
    assert Bucket(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC), 300) in found
    assert all(a.end <= b.start for a, b in pairwise(found)), "periods never overlap"


def test_a_window_of_evenly_spread_records_is_asked_once() -> None:
    stamps = [T0 + timedelta(minutes=10 * k) for k in range(1, 601)]
    org = Org(stamps)
    found = histogram(org, "Account", "SystemModstamp", Window(T0, T0 + timedelta(days=5)), lambda n: 4)
    assert len(org.asked) == 1
    assert "HOUR_IN_DAY" in org.asked[0]
    assert sum(b.count for b in found) == 600
