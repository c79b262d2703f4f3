"""How the faces show a score, computed here apart from the product: cut, never rounded up, to one decimal,
so that a score just under a tier's threshold (79.97, a B) never reads as the threshold (80.0)."""

from __future__ import annotations

import math


def shown_score(value: float) -> str:
    """`79.9` for 79.97, `86.7` for 86.727, `4.1` for 4.1 (the tiny epsilon keeps 4.1, stored as 4.0999..., whole)."""
    return f"{math.floor(value * 10 + 1e-9) / 10:,.1f}"


def written_score(value: float) -> float:
    """The score a CRM's number field holds: cut to one decimal as shown."""
    return float(shown_score(value).replace(",", ""))
