"""`accountsync writeback`: write the latest scores to the CRMs, or show exactly what would be written."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from accountsync import context
from accountsync.cli_sync import ConfigOption
from accountsync.console import EXIT_FAILURE, out

if TYPE_CHECKING:
    from sync import WritebackSummary

SHOWN_UPDATES = 20


def writeback_command(
    job: Annotated[str | None, typer.Argument(help="Job name (optional when the config has one job).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the exact creates and updates; send nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan and results as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Write scores and KPIs into the CRMs' fields (only values that changed since the last write)."""
    deployment = context.deployment(config, check_files=True)
    from sync import run_writeback

    engine = context.store()
    summary = run_writeback(deployment, job, engine=engine, dry_run=dry_run)
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.__dict__, indent=2, default=str))
    else:
        print_plan(summary)
    if summary.status not in ("succeeded", "partial"):
        raise typer.Exit(EXIT_FAILURE)


def print_plan(summary: WritebackSummary) -> None:
    """Per CRM and field: creates and updates, API calls, rejections."""
    verb = "would write" if summary.dry_run else "wrote"
    title = (f"write-back run {summary.run_id} of job {summary.job}: {summary.status}" if summary.run_id
             else f"write-back plan of job {summary.job} (dry run: nothing sent, nothing stored)")  # fmt: skip
    table = Table(title=title)
    for column in ("connection", "object", "field", "records", "create field"):
        table.add_column(column)
    for target in summary.targets:
        per_field = Counter(f for u in target["updates"] for f in u["values"])
        for field, count in sorted(per_field.items()):
            created = "yes" if field in target["create_fields"] else ""
            table.add_row(target["connection"], target["object"], field, f"{count:,}", created)
    out.print(table)
    for target in summary.targets:
        sent = target.get("sent") or {}
        out.print(
            f"{target['connection']}.{target['object']}: {verb} {len(target['updates']):,} record(s) in "
            f"{target['write_calls']} call(s); unchanged {target['unchanged']:,} value(s); "
            f"rep-owned skipped {target['skipped_rep_owned']}; rejected {sent.get('rejected', 0)}",
            markup=False,
        )
        if summary.dry_run:
            for update in target["updates"][:SHOWN_UPDATES]:
                out.print(f"  {update['record_id']} ({update['account_key']}): {update['values']}", markup=False)
    if summary.message:
        out.print(summary.message, markup=False)
