"""Which endpoint a full read's live records come from: the list (100 a page) or search (200 a page).

Both page one after another: a list page needs the last one's opaque `after`, a search page (keyset paging by
`hs_object_id`) the last one's highest id. So each comes at one page a round trip, under its limits:

- the list at most the rolling limit's calls a second (190 per 10 s: 19);
- search at most `SEARCH_PER_SECOND` a second per account, and the throttle counts a search in that second's
  window from when it is sent until one second after its answer (the server counted it at some moment in
  between), so a page a round trip leaves at most `limit / (1 + round trip)` a second.

On a near network the list is the faster (at 19 calls a second it reads 1,900 records a second, search under
1,000). Once the list's round trip passes about 100 ms its pages slow down with it, and search, twice as full,
can read faster, if search itself answers quickly: HubSpot's search does more work per call than the list, so
its own round trips (the count call before a read is one) are measured apart. Search is chosen only when it
reads `MARGIN` times as fast; near the crossing the list stays (the path every client knows).
"""

from __future__ import annotations

from typing import Final

__all__ = ["MARGIN", "by_search"]

MARGIN: Final = 1.2  # search must read this many times faster to be chosen
LIST_RECORDS: Final = 100
SEARCH_RECORDS: Final = 200


def by_search(
    list_round_trip: float | None, search_round_trip: float | None, calls_per_second: float, search_per_second: float
) -> bool:
    """Whether search reads a full window's live records at least `MARGIN` times as fast as the list, given each
    endpoint's round trip (seconds; None: not measured, keep the list) under the account's limits."""
    if list_round_trip is None or search_round_trip is None or min(list_round_trip, search_round_trip) <= 0:
        return False
    listed = LIST_RECORDS * min(1 / list_round_trip, calls_per_second)
    searches = min(1 / search_round_trip, search_per_second / (1 + search_round_trip), calls_per_second)
    return SEARCH_RECORDS * searches >= listed * MARGIN
