"""What every endpoint is handed: the account, the lock that guards it, and the public base URL."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sandbox.hubspot.account import HubSpotAccount

__all__ = ["Served"]


@dataclass(frozen=True, slots=True)
class Served:
    account: HubSpotAccount
    lock: threading.RLock
    base_url: str
    token: str
