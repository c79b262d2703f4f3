"""`accountsync kpis --cohort NAME`: a config cohort's KPIs as of each month end (stores nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from accountsync import context
from accountsync.console import err

SHOWN = ("as_of", "accounts", "customers", "arr", "new", "expansion", "churn", "nrr", "grr", "win_rate_count",
         "open_pipeline", "weighted_pipeline", "mean_score", "tier_a", "tier_b", "tier_c", "tier_d")  # fmt: skip


Emit = Callable[[list[dict[str, Any]], str], None]


def show_cohort(name: str, *, as_of: date, months: int, emit: Emit, config: Path | None) -> None:
    """Print the cohort's KPIs, one row per month end (with `emit`); warn about keys the store does not hold."""
    from sync.scores import cohort_report

    deployment = context.deployment(config)
    engine = context.store()
    try:
        report = cohort_report(engine, deployment, name, as_of=as_of, months=months)
    finally:
        engine.dispose()
    if report.missing:
        err.print(f"warning: cohort {name}: {len(report.missing)} key(s) not in the store: "
                  f"{', '.join(report.missing[:10])}", markup=False)  # fmt: skip
    rows = report.rows.select(SHOWN).to_dicts()
    emit(rows, f"cohort {name} ({len(report.keys)} accounts) as of each month end")
