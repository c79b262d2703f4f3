"""`accountsync lists publish JOB`: keep the job's target lists in the CRMs (only membership changes are sent)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from accountsync import context
from accountsync.cli_score import Format, FormatOption, emit_rows
from accountsync.cli_sync import ConfigOption

app = typer.Typer(help="Target lists of accounts kept in the CRMs.", no_args_is_help=True)


@app.command("publish")
def publish_command(
    job: Annotated[str, typer.Argument(help="The job whose `target_lists` to publish.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the membership changes; send nothing.")] = False,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
) -> None:
    """Make each target list hold the accounts of its tiers (or top N) from the latest scoring run."""
    deployment = context.deployment(config)
    from sync.writeback import publish_target_lists

    engine = context.store()
    try:
        done = publish_target_lists(engine, deployment, job, dry_run=dry_run)
    finally:
        engine.dispose()
    if fmt is Format.json:
        typer.echo(json.dumps([asdict(x) for x in done], indent=2))
        return
    rows = [{"list": x.name, "connection": x.connection, "list id": x.list_id or "(to create)",
             "add": len(x.add), "remove": len(x.remove), "rejected": len(x.rejected), "calls": x.calls}
            for x in done]  # fmt: skip
    emit_rows(rows, "target lists (dry run: nothing sent)" if dry_run else "target lists", fmt=fmt)
