"""Which endpoint a full read's live records come from, worked by hand. The list gives 100 records a round trip
(at most the rolling limit's calls a second); search 200 a round trip, at most 5 / (1 + round trip) pages a
second (the throttle holds each search in its second's window until a second after the answer). Search is
chosen only when it reads at least 1.2 times as fast."""

from __future__ import annotations

import pytest

from connectors.hubspot.full_read import by_search

PRO = 19.0  # 190 calls per 10 s
FREE = 10.0  # 100 calls per 10 s


@pytest.mark.parametrize(
    ("list_trip", "search_trip", "calls_per_second", "expected"),
    [
        # near network: list 100 x 19 = 1,900 a second; search 200 x 5 / 1.01 = 990
        (0.005, 0.010, PRO, False),
        # 100 ms both: list 1,000; search 200 x min(10, 5 / 1.1 = 4.55) = 909
        (0.100, 0.100, PRO, False),
        # 150 ms both (the bench's latency case): list 667; search 200 x min(6.67, 4.35) = 870 = 1.30 x
        (0.150, 0.150, PRO, True),
        # list 150 ms, search slower at 300 ms: search 200 x min(3.33, 3.85) = 667 = 1.0 x: the list
        (0.150, 0.300, PRO, False),
        # list 150 ms, search 200 ms: search 200 x min(5, 4.17) = 833 = 1.25 x
        (0.150, 0.200, PRO, True),
        # 300 ms both: list 333; search 200 x min(3.33, 3.85) = 667 = 2 x
        (0.300, 0.300, PRO, True),
        # the lowest tier, near network: list 100 x 10 = 1,000; search 200 x 5 / 1.005 = 995
        (0.005, 0.005, FREE, False),
        # a rolling limit under search's own: 2 calls a second, list 200, search 400
        (0.005, 0.005, 2.0, True),
        # nothing measured yet: the list
        (None, 0.150, PRO, False),
        (0.150, None, PRO, False),
        (0.0, 0.150, PRO, False),
    ],
)
def test_search_is_chosen_only_when_it_reads_a_fifth_faster_than_the_list(
    list_trip: float | None, search_trip: float | None, calls_per_second: float, expected: bool
) -> None:
    assert by_search(list_trip, search_trip, calls_per_second, 5) is expected
