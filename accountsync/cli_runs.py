"""`accountsync runs`: list runs, show one with its errors and rejections."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from accountsync import context
from accountsync.console import fail, out
from sync.runs import get_run
from sync.runs import list_runs as runs_page

app = typer.Typer(
    help="See the runs of jobs: status, counts, errors.", no_args_is_help=False, invoke_without_command=True
)


@app.callback()
def list_runs(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option("--job", help="Only this job's runs.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many runs.")] = 20,
) -> None:
    """List the latest runs (newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    engine = context.store()
    runs = runs_page(engine, job=job, limit=limit).items
    engine.dispose()
    table = Table(title="runs")
    for column in ("id", "job", "kind", "status", "trigger", "started", "finished", "read", "errors"):
        table.add_column(column)
    for run in runs:
        table.add_row(str(run.id), run.job, run.kind, run.status, run.trigger, _ts(run.started_at),
                      _ts(run.finished_at), f"{run.counts.get('read', 0):,}", str(run.error_count))  # fmt: skip
    out.print(table)


def _ts(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else ""


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="The run's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one run: status, message, per-stream counts, errors and write-back rejections."""
    engine = context.store()
    run = get_run(engine, run_id)
    engine.dispose()
    if run is None:
        fail(f"no run {run_id}")
    if as_json:
        typer.echo(json.dumps(run.model_dump(mode="json"), indent=2))
        return
    out.print(f"[bold]run {run.id}[/] job {run.job} ({run.kind}, {run.trigger}): [bold]{run.status}[/]", markup=True)
    if run.message:
        out.print(run.message, markup=False)
    for step in run.steps or []:
        out.print(f"  step {step['name']}: {step['status']} in {step.get('duration_seconds') or 0:.1f} s"
                  + (f" ({step['message']})" if step.get("message") else ""), markup=False)  # fmt: skip
    for name, counts in (run.progress or {}).items():
        shown = {k: v for k, v in counts.items() if k != "done" and v is not None}
        out.print(f"  {name}: " + ", ".join(f"{k} {v:,}" for k, v in shown.items()), markup=False)
    for target in run.writeback:
        print_target(target)
    for error in run.errors or []:
        out.print(f"  {error.get('kind')}: {error.get('record_id') or error.get('field') or ''} {error.get('message')}",
                  markup=False)  # fmt: skip
    for r in run.rejections:
        out.print(f"  rejected {r['connection']} {r['object']} {r['record_id']}: {r['code']} {r['message']}",
                  markup=False)  # fmt: skip
    if run.warning_count:
        out.print(f"  data-quality warnings: {run.warning_count:,} field(s) stored empty, records kept", markup=False)
        for w in run.warnings[:20]:
            out.print(f"    {w.get('stream')} {w.get('record_id')} {w.get('field')}: {w.get('message')}", markup=False)


WRITEBACK_COLUMNS = (("sent", "sent"), ("unchanged", "same"), ("rejected", "refused"), ("rep_owned_skipped", "rep's"),
                     ("no_value", "empty"), ("adopted", "in CRM"))  # fmt: skip


def print_target(target: dict[str, Any]) -> None:
    """One write-back target of a run: calls, duration, and per field what was sent, unchanged, rejected..."""
    calls = target.get("calls", target.get("write_calls", 0))
    seconds = target.get("duration_seconds")
    title = f"write-back {target['connection']} {target['object']}: {calls} calls" + (
        f", {seconds:.1f} s" if seconds is not None else ""
    )
    fields = target.get("fields") or {}
    table = Table(title=title, title_justify="left")
    table.add_column("field", no_wrap=True, min_width=max((len(name) for name in fields), default=5))
    for _, label in WRITEBACK_COLUMNS:
        table.add_column(label, justify="right")
    for name, counts in fields.items():
        table.add_row(name, *(f"{counts.get(key, 0):,}" for key, _ in WRITEBACK_COLUMNS))
    out.print(table)
    for r in (target.get("sent") or {}).get("rejections") or []:
        out.print(f"  rejected {r.get('record_id')}: {r.get('code')} {r.get('message')}", markup=False)
