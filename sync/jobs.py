"""Every trigger (CLI, API, scheduler) runs jobs through these functions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from config import Deployment, Job
from connectors import Connector, ConnectorError, StopError, StreamSpec
from sync import locks
from sync.accounts import apply_identity
from sync.currency import store_config_rates
from sync.errors import JobError, JobLocked
from sync.pull import NoProgress, ProgressSink, PullRequest, pull_stream
from sync.reconcile import audit, audited
from sync.runs import RunRecorder, create_run
from sync.store import session
from sync.tables import SyncRun, utcnow
from sync.writeback import latest_scores, plan_target, provision
from sync.writeback_send import recover_pending, send_plan

STREAM_ORDER = (
    "OpportunityStage", "CurrencyType", "Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem",
    "pipelines", "companies", "deals",
)  # fmt: skip
ConnectorFactory = Callable[[Deployment, str, Job], Connector]


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How a run reads: incremental by default; `full` re-reads and sweeps deletes; `objects` narrows it."""

    full: bool = False
    objects: tuple[str, ...] | None = None
    trigger: str = "cli"


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
    if run_id is None:
        params = {"full": options.full, "objects": list(options.objects or [])}
        kind = "full" if options.full else "sync"
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
        with _Heartbeat(engine, job.name, run_id, recorder):
            status, message, audits = _run_streams(
                deployment, job, engine, options, sink or NoProgress(), factory, recorder
            )
        recorder.extra["audits"] = audits
        recorder.finish(status, message)
    except BaseException as exc:  # the run row must not stay 'running'; positions are already committed
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        locks.release(engine, job=job.name, run_id=run_id)
    return _summary(engine, recorder, job.name, time.monotonic() - started)


def _run_streams(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    options: SyncOptions,
    sink: ProgressSink,
    factory: ConnectorFactory,
    recorder: RunRecorder,
) -> tuple[str, str | None, list[dict[str, Any]]]:
    store_config_rates(engine, deployment.currency)
    req = PullRequest(job.name, recorder.run_id, utcnow(), timedelta(minutes=job.lookback_minutes), options.full,
                      job.opportunity_types, _link_property(deployment))  # fmt: skip
    audits: list[dict[str, Any]] = []
    opened: list[Connector] = []
    try:
        for source in job.sources:
            connector = factory(deployment, source.connection, job)
            opened.append(connector)
            for spec in _ordered(connector.streams(_objects(source.objects, options.objects))):
                pull_stream(engine, connector, spec, req, recorder, sink)
                if audited(connector, spec):
                    audits.append(_audit_and_repair(engine, connector, spec, req, recorder, sink))
        apply_identity(engine, precedence=job.precedence, default=job.default_precedence)
    except StopError as exc:
        return "stopped_for_budget", str(exc), audits
    except ConnectorError as exc:
        recorder.error("connector", str(exc), code=exc.code)
        return "failed", str(exc), audits
    finally:
        for connector in opened:
            recorder.api_calls[connector.name] = connector.quota().calls
            connector.close()
    bad = recorder.extra.get("error_count", 0) or any(not a["agrees"] for a in audits)
    return ("partial" if bad else "succeeded"), None, audits


def _audit_and_repair(
    engine: Engine, connector: Connector, spec: StreamSpec, req: PullRequest, recorder: RunRecorder, sink: ProgressSink
) -> dict[str, Any]:
    """Compare counts; on a mismatch re-read the stream in full (sweeping what is gone), then check again."""
    first = audit(engine, connector, spec, req.run_start)
    if first.agrees:
        return first.as_dict()
    recorder.error("reconciliation", f"{spec.name}: CRM has {first.crm_count}, store {first.store_count}; re-pulling",
                   stream=f"{connector.name}.{spec.name}")  # fmt: skip
    full = PullRequest(req.job, req.run_id, req.run_start, req.lookback, True, req.opportunity_types, req.link_property)
    pull_stream(engine, connector, spec, full, recorder, sink)
    second = audit(engine, connector, spec, req.run_start)
    return second.as_dict() | {"repaired_from": first.as_dict()}


def _objects(configured: Sequence[str], only: Sequence[str] | None) -> list[str]:
    return [o for o in configured if only is None or o in only]


def _ordered(specs: list[StreamSpec]) -> list[StreamSpec]:
    rank = {name: i for i, name in enumerate(STREAM_ORDER)}
    return sorted(specs, key=lambda spec: rank.get(spec.object, len(rank)))


def _link_property(deployment: Deployment) -> str:
    for conn in deployment.connections.values():
        if conn.type == "hubspot":
            return conn.link_property
    return "salesforce_account_id"


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


class _Heartbeat:
    """Renews the job lock and flushes progress while the run works."""

    def __init__(self, engine: Engine, job: str, run_id: int, recorder: RunRecorder) -> None:
        self._engine, self._job, self._run_id, self._recorder = engine, job, run_id, recorder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run_id}")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(15):
            locks.renew(self._engine, job=self._job, run_id=self._run_id)


@dataclass
class WritebackSummary:
    """The outcome of a write-back run or dry run."""

    run_id: int
    job: str
    status: str
    message: str | None
    dry_run: bool
    targets: list[dict[str, Any]]


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
        status, message = _writeback_targets(deployment, job, engine, factory, recorder, dry_run, targets)
    except BaseException as exc:
        recorder.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        locks.release(engine, job=job.name, run_id=run_id)
    recorder.extra["targets"] = [{k: v for k, v in t.items() if k != "updates"} for t in targets]
    recorder.finish(status, message)
    return WritebackSummary(run_id, job.name, status, message, dry_run, targets)


def _writeback_targets(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    factory: ConnectorFactory,
    recorder: RunRecorder,
    dry_run: bool,
    out: list[dict[str, Any]],
) -> tuple[str, str | None]:
    scores = latest_scores(engine)
    connectors: dict[str, Connector] = {}
    try:
        for target in job.writeback:
            connector = connectors.get(target.connection) or factory(deployment, target.connection, job)
            connectors[target.connection] = connector
            if not dry_run:
                recorder.extra["recovered"] = recover_pending(engine, target, connector, recorder.run_id)
            plan = plan_target(engine, job, target, connector, scores)
            if not dry_run:
                provision(plan, target, connector)
            sent = None if dry_run else send_plan(engine, plan, connector, recorder.run_id)
            out.append(plan.as_dict() | ({"sent": sent.__dict__} if sent else {}))
            if sent and sent.rejected:
                recorder.error("rejected", f"{sent.rejected} record(s) refused by {target.connection}")
    except StopError as exc:
        return "stopped_for_budget", str(exc)
    except ConnectorError as exc:
        recorder.error("connector", str(exc), code=exc.code)
        return "failed", str(exc)
    finally:
        for connector in connectors.values():
            recorder.api_calls[connector.name] = connector.quota().calls
            connector.close()
    return ("partial" if recorder.errors else "succeeded"), None
