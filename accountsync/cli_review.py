"""`accountsync review`: backtest the score on the store's history, and propose weights (stores nothing)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from accountsync import context
from accountsync.cli_score import Format, FormatOption, _as_of
from accountsync.cli_sync import ConfigOption
from accountsync.console import EXIT_INVALID, err, out
from accountsync.review_progress import ReviewBar

ReviewDate = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"],
                 help="Review date: as-of dates fall before it, each horizon ending by it (default: today, UTC)."),
]  # fmt: skip


class Outcome(StrEnum):
    """What a backtest counts after each as-of date (`sync.scores.OUTCOMES`, named here so that the help lists
    them without loading the store)."""

    new_business_won = "new_business_won"
    expansion_won = "expansion_won"
    churned = "churned"


class Every(StrEnum):
    """How often an as-of date falls."""

    quarter = "quarter"
    month = "month"


def _months(text: str) -> int:
    """`6m`, `6` (months) or `1y` as months."""
    found = re.fullmatch(r"\s*(\d{1,3})\s*([my]?)\s*", text.lower())
    if found is None or int(found[1]) < 1:
        raise typer.BadParameter(f"{text!r}: give months as 6m (or 6) or years as 1y")
    return int(found[1]) * (12 if found[2] == "y" else 1)


def _pct(value: Any) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _ratio(value: Any) -> str:
    return "" if value is None else f"{value:.2f}"


def _group_table(title: str, rows: list[dict[str, Any]], group: str) -> Table:
    from sync.scores import OUTCOMES

    table = Table(title=title)
    for name in (group, "accounts", *(f"{o} rate / lift" for o in OUTCOMES)):
        table.add_column(name)
    for row in rows:
        cells = [f"{_pct(row[f'{o}_rate'])} / {_ratio(row[f'{o}_lift'])}" for o in OUTCOMES]
        table.add_row(str(row[group]), str(row["accounts"]), *cells)
    return table


def _print_tables(report: dict[str, Any]) -> None:
    from sync.scores import OUTCOMES

    dates = report["as_of_dates"]
    overall = Table(
        title=f"{len(dates)} as-of dates {dates[0]}..{dates[-1]}, horizon {report['horizon_months']} months"
    )
    for name in ("outcome", "base rate", "AUC"):
        overall.add_column(name)
    for outcome in OUTCOMES:
        overall.add_row(outcome, _pct(report["base_rates"][outcome]), _ratio(report["auc"][outcome]))
    out.print(overall)
    out.print(_group_table("by tier (rate / lift over the base rate)", report["by_tier"], "tier"))
    out.print(_group_table("by score decile (1 = top tenth)", report["by_decile"], "decile"))
    components = Table(title="components: AUC for each outcome (mean with / without)")
    for name in ("component", *OUTCOMES):
        components.add_column(name)
    by_component: dict[str, list[str]] = {}
    for row in report["components"]:
        cell = f"{_ratio(row['auc'])} ({_ratio(row['mean_with'])} / {_ratio(row['mean_without'])})"
        by_component.setdefault(row["component"], []).append(cell)
    for name, cells in by_component.items():
        components.add_row(name, *cells)
    out.print(components)
    if report["calibration"] is not None:
        out.print(_calibration_table(report["calibration"]))


def _calibration_table(calibration: dict[str, Any]) -> Table:
    from sync.scores import OUTCOMES

    where = "held-out dates " + ", ".join(calibration["evaluation_dates"]) if calibration["held_out"] else "in sample"
    table = Table(title=f"calibration: current and proposed, measured on {where} (nothing applied)")
    for name in ("", "current", "proposed"):
        table.add_column(name)
    current, proposed = calibration["current"], calibration["proposed"]
    for key in ("fit", "potential", "momentum", "health"):
        table.add_row(f"weight {key}", f"{current['weights'][key]:g}", f"{proposed['weights'][key]:g}")
    for key in ("a", "b", "c"):
        table.add_row(f"tier {key.upper()} from", f"{current['tiers'][key]:g}", f"{proposed['tiers'][key]:g}")
    table.add_row("objective (mean AUC)", _ratio(current["objective"]), _ratio(proposed["objective"]))
    for outcome in OUTCOMES:
        table.add_row(f"AUC {outcome}", _ratio(current["auc"][outcome]), _ratio(proposed["auc"][outcome]))
        lifts = [_tier_a(side, outcome) for side in (current, proposed)]
        table.add_row(f"tier A lift {outcome}", *lifts)
    return table


def _tier_a(side: dict[str, Any], outcome: str) -> str:
    rows = [row for row in side["by_tier"] if row["tier"] == "A"]
    return _ratio(rows[0][f"{outcome}_lift"]) if rows else "(no tier A)"


def review_command(
    as_of: ReviewDate = None,
    every: Annotated[Every, typer.Option("--as-of-every", help="An as-of date each quarter or month.")] = Every.quarter,
    years: Annotated[int, typer.Option("--years", min=1, max=20, help="How far back the as-of dates go.")] = 2,
    horizon: Annotated[str, typer.Option("--horizon", help="Outcome horizon after each as-of date: 6m, 1y.")] = "6m",
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Also propose weights and tier bounds.")] = False,
    outcome: Annotated[Outcome | None, typer.Option("--outcome", help="Calibrate for this outcome only.")] = None,
    write_config: Annotated[
        bool, typer.Option("--write-config", help="Print only the proposed YAML fragment (applies nothing).")
    ] = False,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
) -> None:
    """Backtest the score: score the store as of past dates and compare with the wins and churn that followed."""
    today, horizon_months = _as_of(as_of), _months(horizon)  # a bad date or horizon is refused first
    deployment = context.deployment(config)
    from sync.scores import ReviewRequest, long_rows, review_report, run_review

    request = ReviewRequest(today=today, every=every.value, years=years, horizon_months=horizon_months,
                            calibrate=calibrate or write_config, outcome=outcome and outcome.value)  # fmt: skip
    engine = context.store()
    try:
        with ReviewBar(err) as bar:
            report = review_report(run_review(engine, deployment, request, bar))
    finally:
        engine.dispose()
    if not report["as_of_dates"]:
        err.print(f"error: no {every.value} start within {years} year(s) has a complete {horizon} horizon")
        raise SystemExit(EXIT_INVALID)
    if write_config:
        typer.echo(report["calibration"]["config_fragment"], nl=False)
    elif fmt is Format.json:
        typer.echo(json.dumps(report, indent=2, default=str))
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["table", "group", "outcome", "measure", "value"])
        writer.writeheader()
        writer.writerows(long_rows(report))
        typer.echo(buffer.getvalue(), nl=False)
    else:
        _print_tables(report)
