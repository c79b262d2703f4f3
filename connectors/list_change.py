"""What one change to a CRM list of accounts did, the same for both CRMs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ListChange"]


@dataclass(frozen=True)
class ListChange:
    """The ids a membership change changed, and those the CRM reported missing (or refused)."""

    done: tuple[str, ...]
    missing: tuple[str, ...]
