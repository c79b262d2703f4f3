"""Every trigger (CLI, API, scheduler) runs jobs through these functions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from config import Deployment, Job
from connectors import Connector
from sync import locks
from sync.account_resync import AccountNotFound, resolve_account, resync_account
from sync.enrich import EnrichSummary, run_enrichment
from sync.errors import JobError, JobLocked, StoreError
from sync.heartbeat import LockHeartbeat
from sync.pull import NoProgress, ProgressSink
from sync.pull_job import ConnectorFactory, pull_job
from sync.runs import RunRecorder, create_run
from sync.scoring_store import ScoringOutcome, score_store
from sync.store import session
from sync.tables import SyncRun
from sync.writeback_run import WritebackSummary, writeback_targets

__all__ = [
    "ConnectorFactory",
    "PipelineSummary",
    "RunSummary",
    "SyncOptions",
    "WritebackSummary",
    "default_factory",
    "find_job",
    "run_pipeline",
    "run_score",
    "run_sync",
    "run_writeback",
]


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How a run reads: incremental by default; `full` re-reads and sweeps deletes; `objects` narrows it;
    `account` re-reads one account's records by id and sweeps its deletes."""

    full: bool = False
    objects: tuple[str, ...] | None = None
    trigger: str = "cli"
    account: str | None = None  # a full resync of this one account (key or CRM record id) instead of the job


@dataclass
class RunSummary:
    """The outcome of one run, as the CLI and API show it."""

    run_id: int
    job: str
    status: str
    message: str | None
    streams: dict[str, dict[str, Any]]
    totals: dict[str, int]
    api_calls: dict[str, int]
    errors: list[dict[str, Any]]
    audits: list[dict[str, Any]] = field(default_factory=list)
    duration_seconds: float = 0.0


def find_job(deployment: Deployment, name: str | None) -> Job:
    """The job named `name`, or the only job when `name` is None.

    Raises:
        JobError: no such job, or several jobs and none named.
    """
    if name is None:
        if len(deployment.jobs) == 1:
            return deployment.jobs[0]
        raise JobError(f"several jobs ({', '.join(j.name for j in deployment.jobs)}): name one")
    for job in deployment.jobs:
        if job.name == name:
            return job
    raise JobError(f"no job named `{name}` (jobs: {', '.join(j.name for j in deployment.jobs)})")


def default_factory(deployment: Deployment, name: str, job: Job) -> Connector:
    """Build the real connector for a connection with the job's budget and thresholds."""
    from sync.connect import build_connector

    return build_connector(deployment, name, budget_share=job.api_budget_share, bulk_threshold=job.bulk_threshold)


def run_sync(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    options: SyncOptions | None = None,
    sink: ProgressSink | None = None,
    factory: ConnectorFactory = default_factory,
    run_id: int | None = None,
) -> RunSummary:
    """Run a job's pull now: lock, read every stream, apply identity, audit; returns the run's summary.

    Raises:
        JobError: unknown job. JobLocked: another run of the job is running (the new run is marked cancelled).
    """
    options = options or SyncOptions()
    job = find_job(deployment, job_name)
    try:
        account = resolve_account(engine, options.account) if options.account else None
    except AccountNotFound as exc:
        if run_id is not None:  # queued by the API or the scheduler: the run says why it did nothing
            RunRecorder(engine, run_id).finish("failed", str(exc))
        raise
    if run_id is None:
        params: dict[str, Any] = {"full": options.full, "objects": list(options.objects or [])}
        if account is not None:
            params["account"] = account.key
        kind = "full" if options.full or account is not None else "sync"
        run_id = create_run(engine, job=job.name, kind=kind, trigger=options.trigger, params=params)
    recorder = RunRecorder(engine, run_id)
    try:
        locks.acquire(engine, job=job.name, run_id=run_id)
    except JobLocked as exc:
        recorder.finish("cancelled", str(exc))
        raise
    started = time.monotonic()
    recorder.start()
    try:
        with LockHeartbeat(engine, job.name, run_id):
            if account is not None:
                status, message, audits = resync_account(
                    deployment, job, engine, account, options.objects, sink or NoProgress(), factory, recorder
                )
            else:
                status, message, audits = pull_job(
                    deployment, job, engine, options.objects, options.full, sink or NoProgress(), factory, recorder
                )
        recorder.extra["audits"] = audits
        recorder.finish(status, message)
    except BaseException as exc:  # the run row must not stay 'running'; positions are already committed
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        if isinstance(exc, DBAPIError):
            raise _store_error(exc, run_id) from exc
        raise
    finally:
        locks.release(engine, job=job.name, run_id=run_id)
    return _summary(engine, recorder, job.name, time.monotonic() - started)


def _store_error(exc: DBAPIError, run_id: int) -> StoreError:
    """A lost or refused store connection, as the StoreError every face reports in one line (no traceback)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return StoreError(f"run {run_id} failed: the store refused or lost its connection ({reason}); "
                      "what was committed is kept, rerun to resume")  # fmt: skip


def _summary(engine: Engine, recorder: RunRecorder, job: str, duration: float) -> RunSummary:
    with session(engine) as s:
        run = s.get(SyncRun, recorder.run_id)
        assert run is not None
    return RunSummary(
        run_id=recorder.run_id, job=job, status=run.status, message=run.message,
        streams={k: p.as_dict() for k, p in recorder.streams.items()}, totals=recorder.totals(),
        api_calls=dict(recorder.api_calls), errors=list(recorder.errors),
        audits=list(recorder.extra.get("audits", [])), duration_seconds=round(duration, 3),
    )  # fmt: skip


def run_writeback(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    dry_run: bool = False,
    factory: ConnectorFactory = default_factory,
    trigger: str = "cli",
    run_id: int | None = None,
) -> WritebackSummary:
    """Write the latest scores to every target of the job: provision, diff against the ledger, send in batches.
    With `dry_run` the plan is computed and shown, and nothing is sent."""
    job = find_job(deployment, job_name)
    if run_id is None:
        kind = "dry_run" if dry_run else "writeback"
        run_id = create_run(engine, job=job.name, kind=kind, trigger=trigger, params={"dry_run": dry_run})
    recorder = RunRecorder(engine, run_id)
    locks.acquire(engine, job=job.name, run_id=run_id)
    recorder.start()
    targets: list[dict[str, Any]] = []
    status, message = "succeeded", None
    try:
        status, message = writeback_targets(deployment, job, engine, factory, recorder, dry_run, targets)
    except BaseException as exc:
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        if isinstance(exc, DBAPIError):
            raise _store_error(exc, run_id) from exc
        raise
    finally:
        locks.release(engine, job=job.name, run_id=run_id)
    recorder.extra["targets"] = [{k: v for k, v in t.items() if k != "updates"} for t in targets]
    recorder.finish(status, message)
    return WritebackSummary(run_id, job.name, status, message, dry_run, targets)


def run_score(deployment: Deployment, *, engine: Engine, as_of: date) -> ScoringOutcome:
    """Score the store at `as_of` and keep the scores with their history."""
    return score_store(engine, deployment, as_of=as_of)


@dataclass
class PipelineSummary:
    """A whole job: pull, score, write back."""

    sync: RunSummary
    enrichment: EnrichSummary | None
    scoring: ScoringOutcome | None
    writeback: WritebackSummary | None


def run_pipeline(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    as_of: date,
    options: SyncOptions | None = None,
    sink: ProgressSink | None = None,
    factory: ConnectorFactory = default_factory,
) -> PipelineSummary:
    """Pull from every source, load the job's enrichment sources, score the store, write the scores back (when
    the pull did not stop or fail)."""
    pulled = run_sync(deployment, job_name, engine=engine, options=options, sink=sink, factory=factory)
    if pulled.status not in ("succeeded", "partial"):
        return PipelineSummary(pulled, None, None, None)
    job = find_job(deployment, job_name)
    enriched = run_enrichment(deployment, job.name, engine=engine) if job.enrich else None
    scored = run_score(deployment, engine=engine, as_of=as_of)
    written = run_writeback(deployment, job.name, engine=engine, factory=factory) if job.writeback else None
    return PipelineSummary(pulled, enriched, scored, written)
