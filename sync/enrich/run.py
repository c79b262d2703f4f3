"""Enrichment runs: a job's usage and account-data sources loaded into the store, bad and unmatched rows reported.

A source is read in batches; each row is checked (`enrich_values`), matched to an account (`enrich_match`),
refused when it repeats an earlier row's account (and month), and the rest is upserted (`enrich_store`): a
reload of the same data changes nothing. Usage goes to `usage`; account data to `account_enrichment`, applied
to the accounts by the identity pass (`enrich_precedence`), which runs again when account data changed.
Row numbers in reports are 1-based data rows: the N-th record after the header (spreadsheet row N + 1).
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine

from config import Deployment, EnrichmentSource, Job
from sync.enrich.files import file_source
from sync.enrich.match import UNMATCHED, UNMATCHED_KIND, MatchIndex, build_index, match_batch
from sync.enrich.sources import BATCH_ROWS, ROW, EnrichSourceError, OpenSource, SourcePlan, plan_source
from sync.enrich.sql import sql_source
from sync.enrich.upserts import write_rows
from sync.enrich.values import PROBLEM, account_rules, apply_rules, usage_rules
from sync.errors import JobLocked
from sync.identity.apply import apply_identity
from sync.job_lookup import find_job
from sync.runs import locks
from sync.runs.records import RunRecorder, create_run
from sync.store.engine import session
from sync.store.tables import AccountEnrichment, Usage, utcnow

DETAILED_ERRORS = 200  # per source; the run keeps the exact count of the rest
RENEW_SECONDS = 15.0
DUPLICATE = "_duplicate_of"
MONEY_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class EnrichSourceSummary:
    """One source's outcome: `read` = `matched` + `unmatched` + `rejected`; `written` + `unchanged` = `matched`
    (None in a dry run); `reasons` counts rows per reason of refusal."""

    name: str
    kind: str
    origin: str
    status: str
    read: int
    matched: int
    unmatched: int
    rejected: int
    written: int | None
    unchanged: int | None
    reasons: dict[str, int]
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class EnrichSummary:
    """The outcome of an enrichment run, as the CLI shows it."""

    run_id: int
    job: str
    status: str
    message: str | None
    dry_run: bool
    sources: tuple[EnrichSourceSummary, ...]
    errors: tuple[dict[str, Any], ...]
    accounts_rebuilt: bool
    duration_seconds: float


@dataclass
class _Tally:
    read: int = 0
    matched: int = 0
    unmatched: int = 0
    rejected: int = 0
    written: int = 0
    reported: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self, name: str, kind: str, origin: str, status: str, dry_run: bool, message: str | None = None
                ) -> EnrichSourceSummary:  # fmt: skip
        written = None if dry_run else self.written
        unchanged = None if dry_run else self.matched - self.written
        reasons = dict(self.reasons.most_common())
        return EnrichSourceSummary(name, kind, origin, status, self.read, self.matched, self.unmatched,
                                   self.rejected, written, unchanged, reasons, message)  # fmt: skip


@dataclass
class _Context:
    engine: Engine
    recorder: RunRecorder
    job: str
    dry_run: bool
    now: datetime
    batch_rows: int
    hold_lock: bool
    renewed: float = field(default_factory=time.monotonic)

    @property
    def this_month(self) -> date:
        return date(self.now.year, self.now.month, 1)

    def progress(self, name: str, tally: _Tally) -> None:
        """Counts to the run row (throttled) and the job lock renewed while a long load runs."""
        stream = self.recorder.stream(f"enrich.{name}")
        stream.read, stream.inserted, stream.skipped = tally.read, tally.written, tally.rejected + tally.unmatched
        self.recorder.flush()
        if self.hold_lock and time.monotonic() - self.renewed > RENEW_SECONDS:
            locks.renew(self.engine, job=self.job, run_id=self.recorder.run_id)
            self.renewed = time.monotonic()


def run_enrichment(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    dry_run: bool = False,
    trigger: str = "cli",
    run_id: int | None = None,
    take_lock: bool = True,
    now: datetime | None = None,
    batch_rows: int = BATCH_ROWS,
) -> EnrichSummary:
    """Load the job's enrichment sources in order, as a run of kind `enrich`.

    `take_lock=False` when the caller already holds the job's lock (a job's run calling this as a step);
    `now` (default: now, UTC) decides which months are in the future; with `dry_run` nothing is written.

    Raises:
        JobError: unknown job. JobLocked: another run of the job is running (this run is marked cancelled).
    """
    job = find_job(deployment, job_name)
    recorder = _open_run(engine, job, run_id, dry_run=dry_run, trigger=trigger, take_lock=take_lock)
    started = time.monotonic()
    ctx = _Context(engine, recorder, job.name, dry_run, now or utcnow(), batch_rows, take_lock)
    try:
        status, message, sources, rebuilt = _load(deployment, job, ctx)
        recorder.finish(status, message)
    except BaseException as exc:  # the run row must not stay 'running'
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if take_lock:
            locks.release(engine, job=job.name, run_id=recorder.run_id)
    return EnrichSummary(recorder.run_id, job.name, status, message, dry_run, tuple(sources), tuple(recorder.errors),
                         rebuilt, round(time.monotonic() - started, 3))  # fmt: skip


def enrich_step(
    deployment: Deployment, job: Job, engine: Engine, recorder: RunRecorder, *, now: datetime | None = None
) -> tuple[str, str | None, list[EnrichSourceSummary]]:
    """Load the job's enrichment sources as a step of a whole job's run: the run's row, lock and recorder are
    the caller's, and the run is not finished here. Returns the step's status, message and sources."""
    # The job run's heartbeat renews the lock: this step does not renew it a second time.
    ctx = _Context(engine, recorder, job.name, False, now or utcnow(), BATCH_ROWS, False)
    status, message, sources, _rebuilt = _load(deployment, job, ctx)
    return status, message, sources


def _load(deployment: Deployment, job: Job, ctx: _Context) -> tuple[str, str | None, list[EnrichSourceSummary], bool]:
    """Every source loaded, the outcome kept on the run: status, message, the sources, whether accounts were
    rebuilt."""
    sources, rebuilt = _load_sources(deployment, job, ctx)
    status, message = _status(job, sources)
    ctx.recorder.extra.update(sources=[s.as_dict() for s in sources], accounts_rebuilt=rebuilt)
    return status, message, sources, rebuilt


def _open_run(engine: Engine, job: Job, run_id: int | None, *, dry_run: bool, trigger: str, take_lock: bool
              ) -> RunRecorder:  # fmt: skip
    """The run row (created unless given), the job's lock taken when asked, the run marked running."""
    if run_id is None:
        params = {"dry_run": dry_run, "sources": list(job.enrich)}
        run_id = create_run(engine, job=job.name, kind="enrich", trigger=trigger, params=params)
    recorder = RunRecorder(engine, run_id)
    if take_lock:
        try:
            locks.acquire(engine, job=job.name, run_id=run_id)
        except JobLocked as exc:
            recorder.finish("cancelled", str(exc))
            raise
    recorder.start()
    return recorder


def _load_sources(deployment: Deployment, job: Job, ctx: _Context) -> tuple[list[EnrichSourceSummary], bool]:
    results = []
    for name in job.enrich:
        source = deployment.enrichment.get(name)
        if source is None:
            ctx.recorder.error("source", f"no enrichment source named `{name}`", source=name)
            results.append(_Tally().summary(name, "?", "", "failed", ctx.dry_run, "not configured"))
            continue
        results.append(_load_source(name, source, ctx))
    rebuild = any(r.kind == "accounts" and r.written for r in results)
    if rebuild:  # account data changed: rebuild the accounts so they show it, with the job's CRM precedence
        apply_identity(ctx.engine, precedence=job.precedence, default=job.default_precedence)
    return results, rebuild


def _status(job: Job, sources: list[EnrichSourceSummary]) -> tuple[str, str | None]:
    if not sources:
        return "succeeded", f"job `{job.name}` lists no enrichment sources"
    failed = [s.name for s in sources if s.status == "failed"]
    if failed and len(failed) == len(sources):
        return "failed", f"every source failed: {', '.join(failed)}"
    if failed or any(s.unmatched or s.rejected for s in sources):
        refused = sum(s.unmatched + s.rejected for s in sources)
        return "partial", f"{refused:,} row(s) not loaded" + (f"; failed: {', '.join(failed)}" if failed else "")
    return "succeeded", None


def _load_source(name: str, source: EnrichmentSource, ctx: _Context) -> EnrichSourceSummary:
    tally = _Tally()
    origin = str(source.file) if source.file is not None else "SQL query"
    try:
        with _open(name, source, ctx.batch_rows) as opened:
            origin = opened.origin
            plan = plan_source(name, source, opened.columns)
            index = build_index(ctx.engine, source.match_by)
            seen = _Seen()
            for batch in opened.batches(plan.columns):
                _load_batch(plan, index, seen, batch, opened, ctx, tally)
    except EnrichSourceError as exc:
        ctx.recorder.error("source", str(exc), source=name)
        return tally.summary(name, source.kind, origin, "failed", ctx.dry_run, exc.reason)
    return tally.summary(name, source.kind, origin, "checked" if ctx.dry_run else "loaded", ctx.dry_run)


def _open(name: str, source: EnrichmentSource, batch_rows: int) -> AbstractContextManager[OpenSource]:
    if source.file is not None:
        return file_source(name, source.file, source.format, batch_rows=batch_rows)
    assert source.database_url is not None
    assert source.query is not None
    return sql_source(name, source.database_url.get_secret_value(), source.query, batch_rows=batch_rows)


def _load_batch(plan: SourcePlan, index: MatchIndex, seen: _Seen, batch: pl.DataFrame, opened: OpenSource,
                ctx: _Context, tally: _Tally) -> None:  # fmt: skip
    rules = usage_rules(plan.values, ctx.this_month) if plan.kind == "usage" else account_rules(plan.values)
    checked, reasons = apply_rules(batch, rules)
    matched = match_batch(checked, index)
    eligible = pl.col(PROBLEM).is_null() & pl.col(UNMATCHED).is_null()
    marked = seen.mark(matched.with_columns(_key=pl.when(eligible).then(_dedupe_key(plan.kind))))
    same = "the same account and month" if plan.kind == "usage" else "the same account"
    marked = marked.with_columns(pl.coalesce(pl.col(PROBLEM), pl.format(f"{same} as data row {{}}", pl.col(DUPLICATE))))
    rejected = marked.filter(pl.col(PROBLEM).is_not_null())
    unmatched = marked.filter(pl.col(PROBLEM).is_null() & pl.col(UNMATCHED).is_not_null())
    good = marked.filter(pl.col(PROBLEM).is_null() & pl.col(UNMATCHED).is_null())
    tally.reasons.update(reasons)
    if duplicates := int(marked.get_column(DUPLICATE).is_not_null().sum()):
        tally.reasons[f"duplicate of an earlier row ({same})"] += duplicates
    tally.reasons.update(dict(unmatched.get_column(UNMATCHED_KIND).value_counts().iter_rows()))
    tally.read += batch.height
    tally.rejected += rejected.height
    tally.unmatched += unmatched.height
    tally.matched += good.height
    refused = pl.concat([rejected.select(ROW, kind=pl.lit("rejected"), why=PROBLEM),
                         unmatched.select(ROW, kind=pl.lit("unmatched"), why=UNMATCHED)])  # fmt: skip
    _report(refused.sort(ROW), plan.name, opened, ctx, tally)
    if not ctx.dry_run and good.height:
        tally.written += _write(plan, good, ctx)
    ctx.progress(plan.name, tally)


def _dedupe_key(kind: str) -> pl.Expr:
    """One unsigned integer per account (and month): exact; with its row, 12 bytes a loaded row to remember."""
    account = pl.col("account_id").cast(pl.UInt64)
    if kind != "usage":
        return account
    month = pl.col("month").dt.year().cast(pl.UInt64) * 12 + pl.col("month").dt.month().cast(pl.UInt64) - 1
    return account * (1 << 20) + month


class _Seen:
    """Keys of the rows loaded so far in this source, with their row; later rows with a seen key are refused."""

    def __init__(self) -> None:
        self._seen = pl.DataFrame(schema={"_key": pl.UInt64, "_first": pl.UInt32})

    def mark(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`_duplicate_of`: the earlier data row with the same key (this batch's or an earlier one's), else null."""
        in_batch = pl.when(pl.col("_key").is_not_null()).then(pl.col(ROW).min().over("_key"))
        keys = frame.select(pl.col("_key").drop_nulls().unique())
        # Only the seen rows with this batch's keys, the hash table built on the batch: memory stays flat.
        earlier_rows = self._seen.join(keys, on="_key", how="semi", build_side="force_right")
        marked = frame.with_columns(in_batch.alias("_in_batch")).join(
            earlier_rows, on="_key", how="left", maintain_order="left"
        )
        earlier = pl.when(pl.col("_in_batch") != pl.col(ROW)).then(pl.col("_in_batch"))
        marked = marked.with_columns(pl.coalesce(pl.col("_first"), earlier).alias(DUPLICATE))
        fresh = marked.filter(pl.col("_key").is_not_null() & pl.col(DUPLICATE).is_null())
        self._seen = pl.concat([self._seen, fresh.select("_key", pl.col(ROW).cast(pl.UInt32).alias("_first"))])
        return marked.drop("_key", "_in_batch", "_first")


def _report(rows: pl.DataFrame, name: str, opened: OpenSource, ctx: _Context, tally: _Tally) -> None:
    """Each refused row (row, kind, why) in the run's errors with its data row (and spreadsheet row for CSV),
    in row order, up to a cap."""
    room = max(DETAILED_ERRORS - tally.reported, 0)
    for row, kind, why in rows.head(room).iter_rows():
        sheet = {"sheet_row": row + 1} if opened.is_sheet else {}
        where = f"data row {row}" + (f" (spreadsheet row {row + 1})" if opened.is_sheet else "")
        ctx.recorder.error(kind, f"{opened.origin}: {where}: {why}", source=name, file=opened.origin, row=row, **sheet)
    tally.reported += min(room, rows.height)
    if rows.height > room:  # beyond the cap only the count is kept, as RunRecorder does past MAX_ERRORS
        ctx.recorder.extra["error_count"] = ctx.recorder.extra.get("error_count", 0) + rows.height - room


def _write(plan: SourcePlan, good: pl.DataFrame, ctx: _Context) -> int:
    with session(ctx.engine) as s, s.begin():
        if plan.kind == "usage":
            counts = [c for c in plan.values if c != "month"]
            rows = good.select("account_key", "month", *counts, origin=pl.lit(plan.name)).to_dicts()
            return write_rows(s, Usage, rows, keys=("account_key", "month"), update=[*counts, "origin"],
                              compare=[*counts, "origin"])  # fmt: skip
        rows = [_account_row(plan, row, ctx) for row in good.iter_rows(named=True)]
        values = ["wallet_estimate", "employees", "annual_revenue", "industry", "wins"]
        return write_rows(s, AccountEnrichment, rows, keys=("source", "connection", "source_id"),
                          update=[*values, "run_id", "updated_at"], compare=values)  # fmt: skip


def _account_row(plan: SourcePlan, row: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    def amount(name: str) -> Decimal | None:
        value = row.get(name)
        return None if value is None else Decimal(value).quantize(MONEY_PLACES)

    return {"source": plan.name, "connection": row["anchor_connection"], "source_id": row["anchor_source_id"],
            "wallet_estimate": amount("wallet_estimate"), "employees": row.get("employees"),
            "annual_revenue": amount("annual_revenue"), "industry": row.get("industry"), "wins": plan.wins_text,
            "run_id": ctx.recorder.run_id, "updated_at": ctx.now}  # fmt: skip
