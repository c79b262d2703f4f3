"""`accountsync run`: the whole job now: pull, enrich, score, write back, then the ranked accounts and KPIs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from accountsync import context
from accountsync.cli_score import SCORE_PRIORITY, AsOf
from accountsync.cli_sync import ConfigOption, print_summary
from accountsync.cli_writeback import print_plan
from accountsync.console import EXIT_FAILURE, out
from accountsync.fit_table import fit_table, wrapped
from accountsync.progress import RichProgress

if TYPE_CHECKING:
    from sync import PipelineSummary

KPI_LINES = (
    ("ARR", "arr", "money"), ("NRR", "nrr", "rate"), ("GRR", "grr", "rate"), ("Win rate", "win_rate_count", "rate"),
    ("Open pipeline", "open_pipeline", "money"), ("Weighted pipeline", "weighted_pipeline", "money"),
    ("Customers", "customers", "count"),
)  # fmt: skip


def run_command(
    job: Annotated[str | None, typer.Argument(help="Job name (optional when the config has one job).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Full resync before scoring.")] = False,
    as_of: AsOf = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many ranked accounts to show.")] = 20,
    config: ConfigOption = None,
) -> None:
    """Run the job end to end: pull from the CRMs, enrich, score and rank, write the scores back."""
    deployment = context.deployment(config, check_files=True)
    from sync import SyncOptions, run_pipeline

    engine = context.store(migrate_fresh=True)
    day = as_of.date() if as_of else datetime.now(UTC).date()
    with RichProgress(out, enabled=sys.stdout.isatty()) as progress:
        summary = run_pipeline(deployment, job, engine=engine, as_of=day, options=SyncOptions(full=full), sink=progress)
    engine.dispose()
    print_pipeline(summary, top)
    if summary.status not in ("succeeded", "partial"):
        raise typer.Exit(EXIT_FAILURE)


def print_pipeline(summary: PipelineSummary, top: int) -> None:
    """Pull summary, each step of the job's run, ranked accounts, KPI summary, write-back."""
    from sync.scores import ranked_rows

    print_summary(summary.sync)
    for step in summary.steps:
        out.print(f"step {step['name']}: {step['status']} in {step['duration_seconds']:.1f} s"
                  + (f" ({step['message']})" if step.get("message") else ""), markup=False)  # fmt: skip
    if summary.enrichment is not None:
        out.print(f"enrichment: {summary.enrichment.status}", markup=False)
    if summary.scoring is not None:
        result = summary.scoring.result
        title = f"top {top} accounts as of {result.as_of}"
        rows = ranked_rows(result, top)
        out.print(fit_table(rows, title=title, width=out.width, currency=result.portfolio.currency,
                            priority=SCORE_PRIORITY))  # fmt: skip
        kpis = result.portfolio.__dict__
        line = "  ".join(f"{label}: {_kpi(kpis.get(key), kind, result.portfolio.currency)}"
                         for label, key, kind in KPI_LINES)  # fmt: skip
        out.print(wrapped(line, out.width, indent=""), markup=False)
    if summary.writeback is not None:
        print_plan(summary.writeback)


def _kpi(value: object, kind: str, currency: str) -> str:
    if value is None:
        return "n/a"
    if kind == "rate" and isinstance(value, float):
        return f"{value:.1%}"
    if kind == "money" and isinstance(value, float):
        return f"{value:,.0f} {currency}"
    return str(value)
