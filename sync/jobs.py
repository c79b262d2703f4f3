"""Every trigger (CLI, API, scheduler) runs jobs through these functions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from config import Deployment
from sync.connect import default_factory
from sync.enrich.run import EnrichSummary
from sync.job_lookup import find_job
from sync.job_steps import JobSteps, overall
from sync.pull.account_resync import AccountNotFound, resolve_account, resync_account
from sync.pull.job import ConnectorFactory, pull_job
from sync.pull.stream import NoProgress, ProgressSink
from sync.runs.heartbeat import GuardedSink
from sync.runs.lifecycle import run_lifecycle
from sync.runs.records import RunRecorder, create_run
from sync.scores.scoring import ScoringOutcome, score_store
from sync.store.engine import session
from sync.store.tables import SyncRun
from sync.writeback.run import WritebackSummary, writeback_job

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
        kind = "account" if account is not None else "sync"
        run_id = create_run(engine, job=job.name, kind=kind, trigger=options.trigger, params=params)
    started = time.monotonic()
    with run_lifecycle(engine, job.name, run_id) as (recorder, beat):
        guarded = GuardedSink(sink or NoProgress(), beat)
        if account is not None:
            ended = resync_account(deployment, job, engine, account, options.objects, guarded, factory, recorder)
        else:
            ended = pull_job(deployment, job, engine, options.objects, options.full, guarded, factory, recorder)
        recorder.extra["audits"] = ended.audits
        recorder.finish(ended.status, ended.message)
    return _summary(engine, recorder, job.name, time.monotonic() - started)


def _summary(engine: Engine, recorder: RunRecorder, job: str, duration: float) -> RunSummary:
    with session(engine) as s:
        run = s.get(SyncRun, recorder.run_id)
        assert run is not None
    return RunSummary(
        run_id=recorder.run_id, job=job, status=run.status, message=run.message,
        streams=recorder.listed(), totals=recorder.totals(),
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
    """Write back only (or, with `dry_run`, plan only): see `sync.writeback.run.writeback_job`."""
    return writeback_job(deployment, job_name, engine=engine, factory=factory, dry_run=dry_run, trigger=trigger,
                         run_id=run_id)  # fmt: skip


def run_score(deployment: Deployment, *, engine: Engine, as_of: date, run_id: int | None = None) -> ScoringOutcome:
    """Score the store at `as_of` and keep the scores as job run `run_id`'s (a whole job's scoring step)."""
    return score_store(engine, deployment, as_of=as_of, run_id=run_id)


@dataclass
class PipelineSummary:
    """A whole job's run: its pull, enrichment, scoring and write-back, and each step as recorded."""

    sync: RunSummary
    enrichment: EnrichSummary | None
    scoring: ScoringOutcome | None
    writeback: WritebackSummary | None
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The run's status: the worst of its steps'."""
        return self.sync.status


def run_pipeline(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    as_of: date,
    options: SyncOptions | None = None,
    sink: ProgressSink | None = None,
    factory: ConnectorFactory = default_factory,
    run_id: int | None = None,
) -> PipelineSummary:
    """The whole job as one run, whatever starts it (CLI, API, dashboard, schedule): under one job lock, pull
    (incremental, or full with `options.full`) and identity, enrichment, scoring (stored as this run's scores),
    write-back; each a recorded step with its status, counts, duration and message. Steps after a pull that
    stopped or failed are skipped.

    Raises:
        JobError: unknown job. JobLocked: another run of the job holds its lock (this run is marked cancelled).
    """
    options = options or SyncOptions()
    job = find_job(deployment, job_name)
    if run_id is None:
        run_id = create_run(engine, job=job.name, kind="full" if options.full else "job", trigger=options.trigger,
                            params={"full": options.full, "as_of": as_of.isoformat()})  # fmt: skip
    started = time.monotonic()
    with run_lifecycle(engine, job.name, run_id) as (recorder, beat):
        steps = JobSteps(deployment, job, engine, recorder, factory, beat.check)
        steps.run(as_of, options.full, GuardedSink(sink or NoProgress(), beat))
        status, message = overall(recorder.steps)
        recorder.finish(status, message)
    pulled = _summary(engine, recorder, job.name, time.monotonic() - started)
    return PipelineSummary(pulled, steps.enrichment, steps.scoring, steps.writeback, list(recorder.steps))
