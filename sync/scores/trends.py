"""Portfolio analytics for the faces: the KPIs as of each month end (one store read, the engine at each date),
the ARR bridge of a window, and every KPI by segment."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from config import Deployment
from scoring import SEGMENTS, Segment, owner_kpis, score_portfolio
from sync.scores.owners import owner_directory
from sync.scores.scoring import compute_scores, load_scoring

__all__ = ["PAGE_SEGMENTS", "SEGMENTS", "BridgeStep", "TrendPoint", "arr_bridge", "kpi_trend", "month_ends",
           "segment_rows"]  # fmt: skip

PAGE_SEGMENTS = ("industry", "country", "owner", "team", "tier")  # what the segment page offers

TREND_KPIS = ("arr", "nrr", "grr", "logo_churn_rate", "customers", "new", "expansion", "contraction", "churn")


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The portfolio KPIs as of one month end (each over the window ending there)."""

    month_end: date
    kpis: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BridgeStep:
    """One bar of the ARR bridge: where it starts and ends (a waterfall's floating bar)."""

    label: str
    amount: float
    start: float
    end: float
    kind: str  # total, up, down


def month_ends(as_of: date, months: int) -> list[date]:
    """The last day of each of the `months` months ending with the last month end on or before `as_of`."""
    year, month = as_of.year, as_of.month
    if as_of.day != calendar.monthrange(year, month)[1]:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    ends = []
    for _ in range(months):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def kpi_trend(engine: Engine, deployment: Deployment, *, as_of: date, months: int = 12) -> list[TrendPoint]:
    """ARR, NRR, GRR, logo churn (and the movement) as of each month end: the store is read once, the engine run
    at each date on what the store holds now (deals' close and contract dates place them in time)."""
    inputs, params, _ = load_scoring(engine, deployment)
    points = []
    for end in month_ends(as_of, months):
        portfolio = score_portfolio(inputs, as_of=end, params=params).portfolio
        points.append(TrendPoint(end, {name: getattr(portfolio, name) for name in TREND_KPIS}))
    return points


def arr_bridge(portfolio: dict[str, Any]) -> list[BridgeStep]:
    """Start, new, expansion, contraction, churn, end of a window, as a waterfall's bars; the end bar is the
    portfolio's ARR (start + new + expansion - contraction - churn, to the cent)."""
    start = float(portfolio.get("arr_at_start") or 0.0)
    steps = [BridgeStep("start", start, 0.0, start, "total")]
    level = start
    for label, key, sign in (("new", "new", 1), ("expansion", "expansion", 1), ("contraction", "contraction", -1),
                             ("churn", "churn", -1)):  # fmt: skip
        amount = float(portfolio.get(key) or 0.0)
        steps.append(BridgeStep(label, amount, level, level + sign * amount, "up" if sign > 0 else "down"))
        level += sign * amount
    end = float(portfolio.get("arr") or 0.0)
    steps.append(BridgeStep("end", end, 0.0, end, "total"))
    return steps


def segment_rows(engine: Engine, deployment: Deployment, *, as_of: date, by: str) -> list[dict[str, Any]]:
    """Every portfolio KPI per value of `by` (PAGE_SEGMENTS) at `as_of`. Owners are grouped by the name a CRM
    gives them (a pulled user's, else the CRM's owner directory's) and teams by the pulled users' teams
    (`kpis --by owner|team`, the KPI page's tables); an owner no CRM names is its id, and without pulled users
    every account is in no team."""
    if by not in PAGE_SEGMENTS:
        raise ValueError(f"unknown segment {by!r}; expected one of {', '.join(PAGE_SEGMENTS)}")
    result = compute_scores(engine, deployment, as_of=as_of)
    if by in ("owner", "team"):
        directory = owner_directory(engine)
        if by == "team" or not directory.is_empty():
            return owner_kpis(result.accounts, directory, "owner" if by == "owner" else "team").to_dicts()
    segment: Segment = by  # type: ignore[assignment]  # industry, country, owner or tier: checked above
    return result.segments(segment).to_dicts()
