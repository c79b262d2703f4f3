"""`accountsync runs`: list runs, show one with its errors and rejections."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from accountsync import context
from accountsync.console import fail, out
from accountsync.fit_table import fit_table, wrapped

if TYPE_CHECKING:
    from sync.runs import RunPublic

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
    from sync.runs import list_runs as runs_page

    if ctx.invoked_subcommand is not None:
        return
    engine = context.store()
    runs = runs_page(engine, job=job, limit=limit).items
    engine.dispose()
    rows = [_run_row(run) for run in runs]
    out.print(fit_table(rows, title="runs", width=out.width, priority=RUN_PRIORITY))


RUN_PRIORITY = ("id", "job", "status", "started", "read", "errors", "kind", "account", "trigger", "finished")


def _run_row(run: RunPublic) -> dict[str, Any]:
    return {"id": run.id, "job": run.job, "kind": run.kind, "status": run.status, "trigger": run.trigger,
            "started": _ts(run.started_at), "finished": _ts(run.finished_at), "read": run.counts.get("read", 0),
            "errors": run.error_count, "account": run.params.get("account") or "-"}  # fmt: skip


def _ts(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else "-"


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="The run's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one run: status, message, per-stream counts, errors and write-back rejections."""
    from sync.runs import get_run

    engine = context.store()
    run = get_run(engine, run_id)
    engine.dispose()
    if run is None:
        fail(f"no run {run_id}")
    if as_json:
        typer.echo(json.dumps(run.model_dump(mode="json"), indent=2))
        return
    out.print(f"[bold]run {run.id}[/] job {run.job} ({run.kind}, {run.trigger}): [bold]{run.status}[/]", markup=True)
    if account := run.params.get("account"):
        out.print(f"  account {account}", markup=False)
    for line in _run_lines(run):
        out.print(wrapped(line, out.width), markup=False)
    for target in run.writeback:
        print_target(target)


def _run_lines(run: RunPublic) -> Iterator[str]:
    """A run's message, steps, per-stream counts, errors, rejections and warnings; nothing empty is `None`."""
    if run.message:
        yield run.message
    for step in run.steps or []:
        seconds = step.get("duration_seconds") or 0
        yield f"  step {step['name']}: {step['status']} in {seconds:.1f} s" + (
            f" ({step['message']})" if step.get("message") else ""
        )
    for name, counts in (run.progress or {}).items():
        shown = {k: v for k, v in counts.items() if k != "done" and v is not None}
        yield f"  {name}: " + (", ".join(f"{k} {_count(v)}" for k, v in shown.items()) or "-")
    for error in run.errors or []:
        where = error.get("record_id") or error.get("field") or ""
        yield "  " + " ".join(_text(p) for p in (error.get("kind"), where, error.get("message")) if p)
    for r in run.rejections:
        yield f"  rejected {r['connection']} {r['object']} {r['record_id']}: {_text(r['code'])} {_text(r['message'])}"
    if run.warning_count:
        yield f"  data-quality warnings: {run.warning_count:,} field(s) stored empty, records kept"
        for w in run.warnings[:20]:
            parts = (w.get("stream"), w.get("record_id"), w.get("field"))
            yield "    " + " ".join(_text(p) for p in parts) + f": {_text(w.get('message'))}"


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else _text(value)


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


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
    rows = [{"field": name} | {label: counts.get(key, 0) for key, label in WRITEBACK_COLUMNS}
            for name, counts in fields.items()]  # fmt: skip
    out.print(fit_table(rows, title=title, width=out.width))
    for r in (target.get("sent") or {}).get("rejections") or []:
        line = f"  rejected {_text(r.get('record_id'))}: {_text(r.get('code'))} {_text(r.get('message'))}"
        out.print(wrapped(line, out.width), markup=False)
