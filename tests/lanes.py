"""Which lane runs the tests: `make test` (the whole suite, CI) or `make test-fast` (the unit lane, for the edit
loop; it sets ACCOUNTSYNC_TEST_LANE=fast).

Property tests and the API fuzzer draw their full number of examples in `make test`, and a quarter of it (five
at least) in the unit lane, as Hypothesis's guide suggests with a quicker profile for development: the unit
lane still runs every property, CI runs them at full strength.
"""

from __future__ import annotations

import os

FAST = os.environ.get("ACCOUNTSYNC_TEST_LANE") == "fast"


def examples(full: int) -> int:
    """How many examples a property draws in this lane: `full` in `make test`, a quarter (at least 5) in the
    unit lane."""
    return max(5, full // 4) if FAST else full
