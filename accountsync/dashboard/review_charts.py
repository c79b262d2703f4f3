"""The Review page's charts from the review report: lift by tier and outcome rate by score decile."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from accountsync.dashboard.svg_charts import Series, bar_chart
from sync.scores import OUTCOMES

__all__ = ["OUTCOME_NAMES", "review_charts"]

OUTCOME_NAMES = {"new_business_won": "new business won", "expansion_won": "expansion won", "churned": "churned"}


def _series(rows: list[dict[str, Any]], measure: str) -> list[Series]:
    return [Series(OUTCOME_NAMES[o], [row[f"{o}_{measure}"] for row in rows]) for o in OUTCOMES]


def review_charts(report: dict[str, Any]) -> dict[str, Markup]:
    """`lift_by_tier` (a dashed line at lift 1) and `rate_by_decile` (1: the top tenth of the scores)."""
    tiers, deciles = report["by_tier"], report["by_decile"]
    return {
        "lift_by_tier": bar_chart("lift-by-tier", [f"Tier {row['tier']}" for row in tiers], _series(tiers, "lift"),
                                  title="Lift over the base rate by tier", reference=1.0),
        "rate_by_decile": bar_chart("rate-by-decile", [str(row["decile"]) for row in deciles],
                                    _series(deciles, "rate"), title="Outcome rate by score decile", percent=True),
    }  # fmt: skip
