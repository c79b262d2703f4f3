"""Which endpoint a full read's live records come from: the list (100 a page) or search (200 a page).

The list pages one after another (each needs the last one's opaque `after`), so they come at one page a round
trip, up to the rolling limit. Search pages come twice as full, at most `SEARCH_PER_SECOND` a second per account.
On a near network the list is the faster (at 190 calls per 10 s it reads 1,900 records a second, search 1,000);
once a round trip passes 100 ms the list's pages slow down with it and search's do not until 200 ms: at 150 ms,
search reads 1,000 a second and the list 667. The choice is made from the round trips measured so far, with a
margin so that a network near the crossing keeps the list (the path every client knows).
"""

from __future__ import annotations

from typing import Final

__all__ = ["MARGIN", "by_search"]

MARGIN: Final = 1.2  # search must read this many times faster to be chosen
LIST_RECORDS: Final = 100
SEARCH_RECORDS: Final = 200


def by_search(round_trip: float | None, calls_per_second: float, search_per_second: float) -> bool:
    """Whether search reads a full window's live records at least `MARGIN` times faster than the list, for a
    call's `round_trip` (seconds; None: not measured yet, keep the list) under the account's limits."""
    if round_trip is None or round_trip <= 0:
        return False
    pages_per_second = 1 / round_trip
    listed = LIST_RECORDS * min(pages_per_second, calls_per_second)
    searched = SEARCH_RECORDS * min(pages_per_second, search_per_second, calls_per_second)
    return searched >= listed * MARGIN
