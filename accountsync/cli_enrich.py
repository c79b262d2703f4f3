"""`accountsync enrich`: load a job's usage and account-data sources now, with a summary per source."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.box import SIMPLE_HEAD
from rich.table import Table

from accountsync import context
from accountsync.console import EXIT_FAILURE, out

if TYPE_CHECKING:
    from sync import EnrichSummary

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $ACCOUNTSYNC_CONFIG or ./accountsync.yaml)."),
]
OK_STATUSES = {"succeeded", "partial"}
SHOWN_ERRORS = 10


def enrich_command(
    job: Annotated[str | None, typer.Argument(help="Job name (optional when the config has one job).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read, check and match; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Load the job's enrichment sources (usage, wallet and firmographics) into the store now."""
    deployment = context.deployment(config)
    from sync import run_enrichment

    engine = context.store()
    summary = run_enrichment(deployment, job, engine=engine, dry_run=dry_run, trigger="cli")
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(asdict(summary), indent=2, default=str))
    else:
        print_summary(summary)
    if summary.status not in OK_STATUSES:
        raise typer.Exit(EXIT_FAILURE)


def print_summary(summary: EnrichSummary) -> None:
    """A row per source, then the reasons rows were refused, the status and the first errors."""
    mode = " (dry run: nothing written)" if summary.dry_run else ""
    table = Table(
        title=f"enrich run {summary.run_id} of job {summary.job}: {summary.status}{mode}",
        box=SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    for column in ("source", "status", "read", "matched", "unmatched", "rejected", "written", "unchanged"):
        table.add_column(column, justify="left" if column in ("source", "status") else "right", no_wrap=True)
    for s in summary.sources:
        counts = (s.read, s.matched, s.unmatched, s.rejected, s.written, s.unchanged)
        table.add_row(s.name, s.status, *("-" if n is None else f"{n:,}" for n in counts))
    out.print(table)
    for s in summary.sources:
        if s.message:
            out.print(f"{s.name}: {s.message}", markup=False)
        for reason, n in s.reasons.items():
            out.print(f"  {s.name}: {n:,} x {reason}", markup=False)
    if summary.accounts_rebuilt:
        out.print("accounts rebuilt with the new account data")
    if summary.message:
        out.print(f"[bold]{summary.status}[/]: {summary.message}", markup=True)
    for error in summary.errors[:SHOWN_ERRORS]:
        out.print(f"  {error['kind']}: {error['message']}", markup=False)
    if len(summary.errors) > SHOWN_ERRORS:
        out.print(f"  ... see every row with `accountsync runs show {summary.run_id}`")
