"""How long a job lock and a running run's heartbeat hold before other replicas may take over.

A module of its own so that `accountsync serve` can name its environment variable without loading the store.
"""

from __future__ import annotations

import os
from datetime import timedelta

LEASE = timedelta(seconds=60)
LEASE_ENV = "ACCOUNTSYNC_LEASE_SECONDS"


def default_lease() -> timedelta:
    """The lease of locks and running runs: `ACCOUNTSYNC_LEASE_SECONDS`, else LEASE.

    Replicas on other hosts cannot see the holder's pid, so an expired lease is how they learn it is gone;
    every replica of a deployment must use the same value.
    """
    raw = os.environ.get(LEASE_ENV, "")
    try:
        seconds = float(raw)
    except ValueError:
        return LEASE
    return timedelta(seconds=seconds) if seconds > 0 else LEASE
