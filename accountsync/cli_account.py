"""`accountsync account KEY`: one account's score and reasons, and its fields as each CRM shows them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from accountsync import context
from accountsync.cli_sync import ConfigOption
from accountsync.console import EXIT_FAILURE, err, fail, out
from accountsync.figure_text import column, figure
from accountsync.fit_table import clip, fit_table


def account_command(
    key: Annotated[str, typer.Argument(help="Account key, e.g. sf:001... or hs:123.")],
    job: Annotated[str | None, typer.Option("--job", help="Job whose write-back fields to read back.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show an account's latest score and reasons, and read its written fields back from each CRM."""
    deployment = context.deployment(config)
    from sync import find_job
    from sync.writeback import latest_scores, read_back

    engine = context.store()
    score = latest_scores(engine).get(key)
    if score is None:
        fail(f"no scored account `{key}` (run `accountsync score` first)")
    views = read_back(deployment, job, key, engine=engine)
    figure_of = {name: fig for target in find_job(deployment, job).writeback for fig, name in target.fields.items()}
    engine.dispose()
    unread = sorted({v.error for v in views if v.error is not None})  # one line per CRM, not per record
    if as_json:
        data = {"key": key, "score": score, "crm": [asdict(v) for v in views]}
        typer.echo(json.dumps(data, indent=2, default=str))
        _exit_if(unread)
        return
    head = (f"[bold]{key}[/]  tier {figure('tier', score.get('tier'))}  score {figure('score', score.get('score'))}"
            f"  rank {figure('rank', score.get('rank'))}")  # fmt: skip
    out.print(head, markup=True)
    for reason in score.get("reasons") or []:
        out.print(clip(f"  - {reason}", out.width), markup=False)
    for view in views:
        if view.error is not None:
            continue
        rows = [{"field": f, "value": _crm_value(figure_of.get(f, f), v)} for f, v in view.fields.items()]
        title = f"as a rep sees it in {view.connection} ({view.object} {view.record_id})"
        out.print(fit_table(rows, title=title, width=out.width))
    _exit_if(unread)


def _exit_if(unread: list[str]) -> None:
    """The score was shown; a CRM whose fields could not be read back is one line each, and exit 1."""
    for error in unread:
        err.print(f"error: could not read the fields back: {error}", markup=False)
    if unread:
        raise typer.Exit(EXIT_FAILURE)


def _crm_value(name: str, value: object) -> str:
    """A written field's value as the CRM holds it: a percent field already holds a percentage."""
    if column(name).kind == "percent" and isinstance(value, int | float):
        return f"{value:g}%"
    return figure(name, value)
