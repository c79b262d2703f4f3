"""`accountsync sync`: run a job's pull now, with progress bars and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from accountsync import context
from accountsync.console import EXIT_FAILURE, out
from accountsync.progress import RichProgress

if TYPE_CHECKING:
    from sync import RunSummary

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $ACCOUNTSYNC_CONFIG or ./accountsync.yaml)."),
]
OK_STATUSES = {"succeeded", "partial"}


def sync_command(
    job: Annotated[str | None, typer.Argument(help="Job name (optional when the config has one job).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read everything and mark records gone as deleted.")] = False,
    objects: Annotated[list[str] | None, typer.Option("--object", help="Only this object (repeatable).")] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            metavar="KEY",
            help="Resync one account (its key, e.g. sf:001..., or a CRM "
            "record id): read its records again by id and mark those the CRM no longer has deleted.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Pull a job's objects from the CRMs into the store now."""
    deployment = context.deployment(config, check_files=True)
    from sync import SyncOptions, run_sync
    from sync.pull import AccountNotFound

    engine = context.store(migrate_fresh=True)
    options = SyncOptions(full=full, objects=tuple(objects) if objects else None, trigger="cli", account=account)
    try:
        with RichProgress(out, enabled=not as_json and sys.stdout.isatty()) as progress:
            summary = run_sync(deployment, job, engine=engine, options=options, sink=progress)
    except AccountNotFound as exc:
        engine.dispose()
        raise typer.BadParameter(str(exc), param_hint="--account") from None
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary_dict(summary), indent=2, default=str))
    else:
        print_summary(summary)
    if summary.status not in OK_STATUSES:
        raise typer.Exit(EXIT_FAILURE)


def summary_dict(summary: RunSummary) -> dict[str, object]:
    """The summary as plain JSON data."""
    return {
        "run_id": summary.run_id, "job": summary.job, "status": summary.status, "message": summary.message,
        "streams": summary.streams, "totals": summary.totals, "api_calls": summary.api_calls,
        "errors": summary.errors, "audits": summary.audits, "duration_seconds": summary.duration_seconds,
    }  # fmt: skip


NARROW_BELOW = 100  # columns: the run table's narrow form below this terminal width


def _count(counts: dict[str, Any], column: str) -> str:
    """A stream's count as the table shows it: "-" where the stream cannot tell inserts from updates (a table
    keyed by its content, such as stage history), rather than a 0 that reads as "nothing new"."""
    if column in ("inserted", "updated") and counts.get("counted") is False:
        return "-"
    return f"{counts.get(column, 0):,}"


def print_summary(summary: RunSummary) -> None:
    """A table per stream, then status, API calls and the first errors."""
    table = Table(title=f"run {summary.run_id} of job {summary.job}: {summary.status}")
    # Under 100 columns a stream's name takes two lines (connection, then object) and pages are left out, so that
    # salesforce.OpportunityHistory and salesforce.OpportunityLineItem are not both cut to "salesforce.Opport…".
    narrow = out.width < NARROW_BELOW
    columns = ("read", "inserted", "updated", "deleted", "skipped") + (() if narrow else ("pages",))
    table.add_column("stream")
    for column in columns:
        table.add_column(column, justify="right")
    for name, counts in summary.streams.items():
        table.add_row(name.replace(".", ".\n", 1) if narrow else name, *(_count(counts, c) for c in columns))
    out.print(table)
    calls = ", ".join(f"{name}: {n:,}" for name, n in summary.api_calls.items())
    out.print(f"API calls: {calls or 'none'}; duration {summary.duration_seconds:.1f} s")
    if summary.message:
        out.print(f"[bold]{summary.status}[/]: {summary.message}", markup=True)
    for error in summary.errors[:10]:
        where = error.get("record_id") or error.get("field") or error.get("stream") or ""
        out.print(f"  {error['kind']}: {where} {error['message']}", markup=False)
    if len(summary.errors) > 10:
        out.print(f"  ... and {len(summary.errors) - 10} more (accountsync runs show {summary.run_id})")
