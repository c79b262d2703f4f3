"""The score review as plain data (JSON-ready dicts and rows), the same for the CLI, the API and the dashboard."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from scoring.backtest import OUTCOMES
from scoring.calibrate import CalibrationSide, config_fragment
from sync.scores.review_inputs import ReviewOutcome

__all__ = ["MEASURES", "long_rows", "review_report"]

MEASURES = ("asked", "count", "rate", "lift")


def _side(side: CalibrationSide) -> dict[str, Any]:
    return {
        "weights": asdict(side.weights),
        "tiers": asdict(side.tiers),
        "objective": side.objective,
        "auc": side.aucs,
        "by_tier": side.tier_table.to_dicts(),
        "by_decile": side.decile_table.to_dicts(),
    }


def review_report(outcome: ReviewOutcome) -> dict[str, Any]:
    """Every figure of the review (and of the calibration, when made) by name."""
    found, score = outcome.review, outcome.params.score
    report: dict[str, Any] = {
        "as_of_dates": [day.isoformat() for day in found.backtest.as_of_dates],
        "horizon_months": found.backtest.horizon_months,
        "rows": found.backtest.frame.height,
        "weights": asdict(score.weights),
        "tiers": asdict(score.tiers),
        "base_rates": found.base_rates,
        "auc": found.aucs,
        "by_tier": found.tiers.to_dicts(),
        "by_decile": found.deciles.to_dicts(),
        "components": found.components.to_dicts(),
        "calibration": None,
    }
    calibration = outcome.calibration
    if calibration is not None:
        report["calibration"] = {
            "held_out": calibration.held_out,
            "fit_dates": [day.isoformat() for day in calibration.fit_dates],
            "evaluation_dates": [day.isoformat() for day in calibration.evaluation_dates],
            "current": _side(calibration.current),
            "proposed": _side(calibration.proposed),
            "config_fragment": config_fragment(calibration.proposed.weights, calibration.proposed.tiers),
        }
    return report


def long_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The review as one long table (table, group, outcome, measure, value), for CSV."""
    rows: list[dict[str, Any]] = []
    for outcome in OUTCOMES:
        rows.append(
            {
                "table": "overall",
                "group": "all",
                "outcome": outcome,
                "measure": "base_rate",
                "value": report["base_rates"][outcome],
            }
        )
        rows.append(
            {"table": "overall", "group": "all", "outcome": outcome, "measure": "auc", "value": report["auc"][outcome]}
        )
    for table, group in (("by_tier", "tier"), ("by_decile", "decile")):
        for row in report[table]:
            rows.append(
                {"table": table, "group": row[group], "outcome": "", "measure": "accounts", "value": row["accounts"]}
            )
            rows += [
                {
                    "table": table,
                    "group": row[group],
                    "outcome": outcome,
                    "measure": measure,
                    "value": row[f"{outcome}_{measure}"],
                }
                for outcome in OUTCOMES
                for measure in MEASURES
            ]
    for row in report["components"]:
        rows += [
            {
                "table": "components",
                "group": row["component"],
                "outcome": row["outcome"],
                "measure": measure,
                "value": row[measure],
            }
            for measure in ("auc", "mean_with", "mean_without")
        ]
    return rows
