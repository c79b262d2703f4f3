"""Which endpoint a full read's live records come from, worked by hand: the list gives 100 records a round trip
(at most the rolling limit's calls a second), search 200 a page at most 5 pages a second; search is chosen only
when it reads at least 1.2 times as fast."""

from __future__ import annotations

import pytest

from connectors.hubspot.full_read import by_search

PRO = 19.0  # 190 calls per 10 s
FREE = 10.0  # 100 calls per 10 s


@pytest.mark.parametrize(
    ("round_trip", "calls_per_second", "expected"),
    [
        # near network: list 100 x 19 = 1,900 a second, search 200 x 5 = 1,000
        (0.005, PRO, False),
        # 80 ms: list 100 / 0.08 = 1,250, search 1,000
        (0.080, PRO, False),
        # 100 ms: list 1,000, search 1,000: a tie keeps the list
        (0.100, PRO, False),
        # 120 ms: list 833, search 1,000 = 1.2 x: search
        (0.120, PRO, True),
        # 150 ms (the bench's latency case): list 667, search 1,000 = 1.5 x
        (0.150, PRO, True),
        # 300 ms: list 333, search 200 / 0.3 = 667 = 2 x
        (0.300, PRO, True),
        # the lowest tier, near network: list 100 x 10 = 1,000, search 1,000
        (0.005, FREE, False),
        # a rolling limit under search's own: 2 calls a second, list 200, search 400
        (0.005, 2.0, True),
        # nothing measured yet: the list
        (None, PRO, False),
        (0.0, PRO, False),
    ],
)
def test_search_is_chosen_only_when_it_reads_a_fifth_faster_than_the_list(
    round_trip: float | None, calls_per_second: float, expected: bool
) -> None:
    assert by_search(round_trip, calls_per_second, 5) is expected
