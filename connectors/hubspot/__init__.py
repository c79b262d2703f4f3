"""The HubSpot connector: private-app auth, incremental search past 10,000, throttling, batched writes.

Build it with `connect(name, conn)`; everything it says to HubSpot goes through hubspot-api-client.
"""

from __future__ import annotations

from config.models import HubSpotConnection
from connectors.budget import ApiBudget
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.ratelimit import Clock, RetryPolicy, SystemClock
from connectors.hubspot.transport import CallStats

__all__ = ["CallStats", "Clock", "HubSpotConnector", "RetryPolicy", "SystemClock", "connect"]


def connect(
    name: str,
    conn: HubSpotConnection,
    *,
    budget: ApiBudget | None = None,
    clock: Clock | None = None,
    throttle: bool = True,
    retry: RetryPolicy | None = None,
) -> HubSpotConnector:
    """A connector for one HubSpot connection (no call is made until it is used).

    Args:
        name: the connection's name in config; errors name it, never the token.
        conn: the connection's settings (token, base URL, CA bundle, link property).
        budget: this job's share of the daily API quota.
        clock: time for throttling and backoff (tests pass a fake one).
        throttle: proactive throttling; off only against a sandbox without limits.
        retry: how retriable failures are retried.
    """
    return HubSpotConnector(name, conn, budget=budget, clock=clock, throttle=throttle, retry=retry)
