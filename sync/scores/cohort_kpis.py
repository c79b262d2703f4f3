"""A config cohort's KPIs as of each month end, read from the store (stores nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Engine

from config import Deployment
from scoring.cohort import cohort_history, month_ends
from sync.errors import SyncError
from sync.scores.scoring import params_from_config, read_inputs, stage_probabilities

__all__ = ["CohortError", "CohortReport", "cohort_report"]


class CohortError(SyncError):
    """The cohort asked for is not in the config."""


@dataclass(frozen=True)
class CohortReport:
    """The cohort's rows (one per month end) and its keys the store does not hold."""

    name: str
    keys: tuple[str, ...]
    missing: tuple[str, ...]
    rows: pl.DataFrame


def cohort_report(engine: Engine, deployment: Deployment, name: str, *, as_of: date, months: int) -> CohortReport:
    """The KPIs of cohort `name` as of the last `months` month ends on or before `as_of`."""
    if name not in deployment.cohorts:
        known = ", ".join(sorted(deployment.cohorts)) or "none"
        raise CohortError(f"no cohort {name!r} in the config's `cohorts` (configured: {known})")
    keys = tuple(dict.fromkeys(deployment.cohorts[name]))
    params = params_from_config(deployment.scoring, deployment.currency.corporate, stage_probabilities(engine))
    inputs = read_inputs(engine, deployment)
    held = set(inputs.accounts.get_column("key").to_list())
    rows = cohort_history(inputs, keys, month_ends(as_of, months), params)
    return CohortReport(name=name, keys=keys, missing=tuple(k for k in keys if k not in held), rows=rows)
