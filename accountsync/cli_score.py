"""`accountsync score` and `accountsync kpis`: score the store and show ranked accounts or KPIs."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, Literal

import typer

from accountsync import context
from accountsync.cli_cohort import show_cohort
from accountsync.cli_sync import ConfigOption
from accountsync.console import EXIT_INVALID, fail, out
from accountsync.figure_text import column, figure
from accountsync.fit_table import ColumnChoiceError, fit_table, parse_columns


class Format(StrEnum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"


class Segment(StrEnum):
    """Segments the KPIs can be cut by."""

    industry = "industry"
    owner = "owner"
    country = "country"
    tier = "tier"
    team = "team"


# The groupings the scoring result cuts by itself (owner and team go through the owner directory: names).
SEGMENT_GROUPS: dict[Segment, Literal["industry", "country", "tier"]] = {
    Segment.industry: "industry", Segment.country: "country", Segment.tier: "tier",
}  # fmt: skip

AsOf = Annotated[
    datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="As-of date T (default: today, UTC).")
]
FormatOption = Annotated[Format, typer.Option("--format", help="table, json or csv.")]
ColumnsOption = Annotated[
    str | None,
    typer.Option("--columns", help="Table columns to show, by name (a,b,c); default: those that fit the width."),
]
# The columns kept first when the terminal is narrow; the others follow while they fit.
SCORE_PRIORITY = ("rank", "name", "tier", "score", "arr", "reasons", "headroom", "key")
SEGMENT_PRIORITY = ("customers", "arr", "nrr", "grr", "logo_churn_rate", "mean_score", "win_rate_count",
                    "open_pipeline", "accounts", "new", "expansion", "contraction", "churn")  # fmt: skip


def _as_of(value: datetime | None) -> date:
    return value.date() if value else datetime.now(UTC).date()


def emit_rows(rows: list[dict[str, Any]], title: str, *, fmt: Format) -> None:
    """Rows as a table, JSON or CSV."""
    _emit(rows, fmt, title)


def _emit(
    rows: list[dict[str, Any]],
    fmt: Format,
    title: str,
    *,
    currency: str | None = None,
    priority: tuple[str, ...] = (),
    columns: str | None = None,
) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=2, default=str))
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows([{k: "; ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows])
        typer.echo(buffer.getvalue(), nl=False)
    else:
        try:
            table = fit_table(rows, title=title, width=out.width, currency=currency, priority=priority,
                              chosen=parse_columns(columns))  # fmt: skip
        except ColumnChoiceError as exc:
            fail(str(exc), EXIT_INVALID)
        out.print(table)


def score_command(
    as_of: AsOf = None,
    fmt: FormatOption = Format.table,
    top: Annotated[int, typer.Option("--top", min=1, help="How many accounts to show.")] = 20,
    columns: ColumnsOption = None,
    config: ConfigOption = None,
) -> None:
    """Score every account in the store and show the ranked accounts with tier, score and reasons."""
    deployment = context.deployment(config)
    from sync.scores import compute_scores, ranked_rows

    engine = context.store()
    result = compute_scores(engine, deployment, as_of=_as_of(as_of))
    engine.dispose()
    title = f"top {top} accounts as of {result.as_of} (computed now; stored scores come from job runs)"
    _emit(ranked_rows(result, top), fmt, title, currency=result.portfolio.currency, priority=SCORE_PRIORITY,
          columns=columns)  # fmt: skip


def kpis_command(
    as_of: AsOf = None,
    by: Annotated[Segment | None, typer.Option("--by", help="Cut by industry, owner, country, tier or team.")] = None,
    fmt: FormatOption = Format.table,
    columns: ColumnsOption = None,
    config: ConfigOption = None,
    cohort: Annotated[
        str | None, typer.Option("--cohort", help="A cohort of the config: its KPIs as of each month end.")
    ] = None,
    months: Annotated[int, typer.Option("--months", min=1, max=36, help="Month ends shown with --cohort.")] = 6,
) -> None:
    """Show the portfolio KPIs (ARR, movement, GRR/NRR, CLV, win rate, pipeline, stage durations), or per
    segment, or a cohort's over time."""
    if cohort is not None:
        show_cohort(cohort, as_of=_as_of(as_of), months=months, emit=partial(emit_rows, fmt=fmt), config=config)
        return
    deployment = context.deployment(config)
    from sync.scores import compute_scores, owner_segment_rows, stage_duration_rows

    engine = context.store()
    result = compute_scores(engine, deployment, as_of=_as_of(as_of))
    stages = stage_duration_rows(result.stage_durations)
    people = by is Segment.owner or by is Segment.team  # owners by name, teams rolled up (issue #22)
    rows = owner_segment_rows(engine, result.accounts, "owner" if by is Segment.owner else "team") if people else []
    engine.dispose()
    currency = result.portfolio.currency
    if by is not None:
        segment_priority = (by.value, *SEGMENT_PRIORITY)
        cut = rows if people else result.segments(SEGMENT_GROUPS[by]).to_dicts()
        _emit(cut, fmt, f"KPIs by {by.value} as of {result.as_of}", currency=currency, priority=segment_priority,
              columns=columns)  # fmt: skip
        return
    portfolio = dict(result.portfolio.__dict__)
    if fmt is Format.json:
        _emit([portfolio | {"stage_durations": stages}], fmt, "")
    elif fmt is Format.csv:
        _emit([portfolio | _flat_stages(stages)], fmt, "")
    else:
        kpis = [{"kpi": column(k).label, "value": figure(k, v, currency)} for k, v in portfolio.items()]
        _emit(kpis, fmt, f"portfolio KPIs as of {result.as_of}")
        if stages:
            _emit([_stage_row(row) for row in stages], fmt, f"days in stage as of {result.as_of}")
        else:
            out.print("No stage history yet.")


def _pipeline_name(row: dict[str, Any]) -> str:
    """The connection, then the pipeline's label when it has one (Salesforce has a single pipeline)."""
    return " · ".join(part for part in (row["connection"], row["pipeline_label"] or row["pipeline"]) if part)


def _stage_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stage as the table shows it: by its pipeline's and its own label."""
    return {"pipeline": _pipeline_name(row), "stage": row["label"], "stays": row["stays"],
            "median_days": row["median_days"], "p90_days": row["p90_days"]}  # fmt: skip


def _flat_stages(stages: list[dict[str, Any]]) -> dict[str, Any]:
    """One CSV column per stage and figure, in pipeline order, named by labels:
    `stage_durations.<connection>[.<pipeline label>].<stage label>.<stays|median_days|p90_days>`."""
    figures = ("stays", "median_days", "p90_days")
    named = [
        (".".join(p for p in (row["connection"], row["pipeline_label"], row["label"]) if p), row) for row in stages
    ]
    return {f"stage_durations.{name}.{k}": row[k] for name, row in named for k in figures}
