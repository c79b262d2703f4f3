"""`accountsync account KEY`: one account's score and reasons, and its fields as each CRM shows them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from accountsync import context
from accountsync.cli_sync import ConfigOption
from accountsync.console import fail, out
from sync.writeback import latest_scores, read_back


def account_command(
    key: Annotated[str, typer.Argument(help="Account key, e.g. sf:001... or hs:123.")],
    job: Annotated[str | None, typer.Option("--job", help="Job whose write-back fields to read back.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show an account's latest score and reasons, and read its written fields back from each CRM."""
    deployment = context.deployment(config)
    engine = context.store()
    score = latest_scores(engine).get(key)
    if score is None:
        fail(f"no scored account `{key}` (run `accountsync score` first)")
    views = read_back(deployment, job, key, engine=engine)
    engine.dispose()
    if as_json:
        data = {"key": key, "score": score, "crm": [asdict(v) for v in views]}
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    out.print(f"[bold]{key}[/]  tier {score.get('tier')}  score {score.get('score')}  rank {score.get('rank')}")
    for reason in score.get("reasons") or []:
        out.print(f"  - {reason}", markup=False)
    for view in views:
        table = Table(title=f"as a rep sees it in {view.connection} ({view.object} {view.record_id})")
        table.add_column("field")
        table.add_column("value", overflow="fold")
        for field, value in view.fields.items():
            table.add_row(field, "" if value is None else str(value))
        out.print(table)
