"""The identity wing: account keys across CRMs (explicit link, normalised domain, else the record alone) applied
to every source record and opportunity, and the unified account rows built from them."""

from __future__ import annotations

from connectors import normalise_domain
from sync.identity.apply import IdentityOutcome, apply_identity

__all__ = ["IdentityOutcome", "apply_identity", "normalise_domain"]
