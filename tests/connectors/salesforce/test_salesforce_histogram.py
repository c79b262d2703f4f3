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
from connectors.salesforce.histogram import Bucket, buckets_of, histogram, histogram_query, tiers

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_query_groups_the_window_by_utc_day_and_hour() -> None:
    soql = histogram_query("Account", "SystemModstamp", Window(T0, T0 + timedelta(days=2)), "hour")
    assert soql == (
        "SELECT DAY_ONLY(SystemModstamp) d, HOUR_IN_DAY(SystemModstamp) h, COUNT(Id) n, MIN(SystemModstamp) lo, "
        "MAX(SystemModstamp) hi FROM Account "
        "WHERE SystemModstamp > 2026-01-01T00:00:00.000Z AND SystemModstamp <= 2026-01-03T00:00:00.000Z "
        "GROUP BY DAY_ONLY(SystemModstamp), HOUR_IN_DAY(SystemModstamp)"
    )


E = datetime(2026, 12, 1, tzinfo=UTC)
D = timedelta(days=1)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window(None, E), [(Window(E - 80 * D, E), "hour"), (Window(E - 1980 * D, E - 80 * D), "day"),
                           (Window(None, E - 1980 * D), "month")]),
        (Window(E - 5 * D, E), [(Window(E - 5 * D, E), "hour")]),
        (Window(E - 80 * D, E), [(Window(E - 80 * D, E), "hour")]),
        (Window(E - 100 * D, E), [(Window(E - 80 * D, E), "hour"), (Window(E - 100 * D, E - 80 * D), "day")]),
    ],
)  # fmt: skip
def test_a_window_is_asked_by_hour_for_its_last_80_days_by_day_for_1900_before_and_by_month_beyond(
    window, expected
) -> None:
    assert tiers(window) == expected
    for part, grain in expected:  # never more than 2,000 groups: the most an aggregate query answers
        periods = {"hour": timedelta(hours=1), "day": D, "month": 28 * D}[grain]
        assert part.start is None or (part.end - part.start) / periods < 2000


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
    """Answers histogram queries from a list of stamps, as an org's aggregate queryAll would."""

    BOUND = re.compile(r"SystemModstamp (>|<=) (\S+)Z")

    def __init__(self, stamps: list[datetime]) -> None:
        self.stamps = stamps
        self.asked: list[list[str]] = []

    def __call__(self, queries: list[str]) -> list[Sequence[Mapping[str, Any]]]:
        self.asked.append(queries)
        return [self.answer(q) for q in queries]

    def answer(self, soql: str) -> list[dict[str, Any]]:
        bounds = {op: datetime.fromisoformat(v).replace(tzinfo=UTC) for op, v in self.BOUND.findall(soql)}
        inside = [s for s in self.stamps if (">" not in bounds or s > bounds[">"]) and s <= bounds["<="]]
        if "HOUR_IN_DAY" in soql:
            groups = _group(inside, lambda s: {"d": s.date().isoformat(), "h": s.hour})
        elif "DAY_ONLY" in soql:
            groups = _group(inside, lambda s: {"d": s.date().isoformat()})
        else:
            groups = _group(inside, lambda s: {"y": s.year, "m": s.month})
        return groups


def _group(stamps: list[datetime], key: Any) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], list[datetime]] = {}
    for stamp in stamps:
        found.setdefault(tuple(key(stamp).items()), []).append(stamp)
    text = "{:%Y-%m-%dT%H:%M:%S.000+0000}".format
    return [{**dict(k), "n": len(v), "lo": text(min(v)), "hi": text(max(v))} for k, v in found.items()]


def test_a_full_read_asks_its_tiers_at_once_then_a_crowded_old_month_by_day() -> None:
    # 10 records a day through the last 200 days, and a bulk load of 3,000 records in March 2021
    stamps = [E - D * k - timedelta(minutes=7 * k) for k in range(1, 201) for _ in range(10)]
    stamps += [datetime(2021, 3, 1 + k % 28, 12, tzinfo=UTC) for k in range(3000)]
    org = Org(stamps)

    found = histogram(org, "Account", "SystemModstamp", Window(None, E), lambda n: max(1, n // 1000))  # 5 slices

    assert [len(round_) for round_ in org.asked] == [3, 1]
    assert ["HOUR_IN_DAY" in q for q in org.asked[0]] == [True, False, False]
    assert "DAY_ONLY" in org.asked[1][0]
    assert "HOUR_IN_DAY" not in org.asked[1][0]
    assert sum(b.count for b in found) == len(stamps)
    by_day = Counter(s.date() for s in stamps if s.year == 2021)
    assert {b.start.date(): b.count for b in found if b.start.year == 2021} == by_day
    assert all(b.end - b.start == timedelta(hours=1) for b in found if b.start >= E - 80 * D)
    assert all(a.end <= b.start for a, b in pairwise(found)), "periods never overlap"


def test_a_short_window_of_evenly_spread_records_is_asked_once() -> None:
    stamps = [T0 + timedelta(minutes=10 * k) for k in range(1, 601)]
    org = Org(stamps)
    found = histogram(org, "Account", "SystemModstamp", Window(T0, T0 + timedelta(days=5)), lambda n: 4)
    assert len(org.asked) == 1
    assert len(org.asked[0]) == 1
    assert "HOUR_IN_DAY" in org.asked[0][0]
    assert sum(b.count for b in found) == 600
    assert found[0].first == T0 + timedelta(minutes=10)
