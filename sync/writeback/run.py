"""Write-back over a job's targets: recover pending batches, plan, provision, send; or only plan (dry run)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from config import Deployment, Job, WritebackTarget
from connectors import Connector, ConnectorError, StopError
from sync.job_lookup import find_job
from sync.pull.job import ConnectorFactory
from sync.runs.api_usage import close_budget, open_budget
from sync.runs.lifecycle import run_lifecycle
from sync.runs.records import Ended, RunRecorder, create_run
from sync.writeback.plan import TargetPlan, check_provisioning, latest_scores, plan_target, provision
from sync.writeback.send import SendOutcome, recover_pending, send_plan


@dataclass
class WritebackSummary:
    """The outcome of a write-back run or dry run."""

    run_id: int
    job: str
    status: str
    message: str | None
    dry_run: bool
    targets: list[dict[str, Any]]


def writeback_targets(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    factory: ConnectorFactory,
    recorder: RunRecorder,
    dry_run: bool,
    out: list[dict[str, Any]],
    guard: Callable[[], None] = lambda: None,
) -> Ended:
    """Each target in turn; `out` receives each target's plan (and what was sent). Returns how it ended.

    Every target is planned and checked before any field is created or any value sent, so a target that cannot
    be written (missing fields that may not be created, an incompatible field) stops the run with nothing written.
    """
    errors_before = recorder.extra.get("error_count", 0)
    connectors: dict[str, Connector] = {}
    try:
        plans = _plan_targets(deployment, job, engine, factory, recorder, dry_run, connectors)
        if not dry_run:
            for target, connector, plan in plans:
                check_provisioning(plan, target, connector)
        for target, connector, plan in plans:
            out.append(_target_summary(plan, _send(engine, target, connector, plan, recorder, dry_run, guard)))
    except StopError as exc:
        return Ended("stopped_for_budget", str(exc))
    except ConnectorError as exc:
        recorder.error("connector", str(exc), code=exc.code)
        return Ended("failed", str(exc))
    finally:
        for connector in connectors.values():
            recorder.note_quota(connector.name, connector.quota())
            if not dry_run:  # a dry run stores nothing, its calls included
                close_budget(engine, job.name, connector)
            connector.close()
    return Ended("partial" if recorder.extra.get("error_count", 0) > errors_before else "succeeded")


Planned = tuple[WritebackTarget, Connector, TargetPlan]


def _plan_targets(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    factory: ConnectorFactory,
    recorder: RunRecorder,
    dry_run: bool,
    connectors: dict[str, Connector],
) -> list[Planned]:
    """Recover each target's pending batches (not in a dry run), then plan it; `connectors` keeps those opened."""
    scores = latest_scores(engine)
    plans: list[Planned] = []
    for target in job.writeback:
        connector = connectors.get(target.connection)
        if connector is None:
            connector = connectors[target.connection] = factory(deployment, target.connection, job)
            open_budget(engine, job.name, connector)
        if not dry_run:
            recovered = recover_pending(engine, target, connector, recorder.run_id)
            recorder.extra["recovered"] = recorder.extra.get("recovered", 0) + recovered
        calls, started = connector.quota().calls, time.monotonic()
        plan = plan_target(engine, job, target, connector, scores)
        plan.plan_calls, plan.plan_seconds = connector.quota().calls - calls, time.monotonic() - started
        plans.append((target, connector, plan))
    return plans


def _send(
    engine: Engine,
    target: WritebackTarget,
    connector: Connector,
    plan: TargetPlan,
    recorder: RunRecorder,
    dry_run: bool,
    guard: Callable[[], None],
) -> tuple[SendOutcome | None, int, float]:
    """Create the target's missing fields and send its plan: what was sent, the calls made and the seconds."""
    if dry_run:
        return None, 0, 0.0
    calls, started = connector.quota().calls, time.monotonic()
    provision(plan, target, connector)
    sent = send_plan(engine, plan, connector, recorder.run_id, guard)
    if sent.rejected:
        recorder.error("rejected", f"{sent.rejected} record(s) refused by {target.connection}")
    return sent, connector.quota().calls - calls, time.monotonic() - started


def _target_summary(plan: TargetPlan, sending: tuple[SendOutcome | None, int, float]) -> dict[str, Any]:
    """One target's plan and outcome: per field sent, unchanged, rejected, left to a rep, without a value."""
    sent, send_calls, send_seconds = sending
    summary = plan.as_dict()
    for name, counts in summary["fields"].items():
        counts["sent"] = sent.sent_fields[name] if sent else 0
        counts["rejected"] = sent.rejected_fields[name] if sent else 0
    summary["calls"] = plan.plan_calls + send_calls
    summary["duration_seconds"] = round(plan.plan_seconds + send_seconds, 3)
    if sent is not None:
        summary["sent"] = sent.as_dict()
    return summary


def writeback_job(
    deployment: Deployment,
    job_name: str | None,
    *,
    engine: Engine,
    factory: ConnectorFactory,
    dry_run: bool = False,
    trigger: str = "cli",
    run_id: int | None = None,
) -> WritebackSummary:
    """Write the latest job run's scores to every target of the job: provision, diff against the ledger, send in
    batches. With `dry_run` the plan is computed and shown, and nothing is sent; a dry run asked for directly
    (no queued run row) stores nothing at all, not even a run row.

    Raises:
        JobError: unknown job. JobLocked: another run of the job holds its lock (this run is marked cancelled).
    """
    job = find_job(deployment, job_name)
    targets: list[dict[str, Any]] = []
    if dry_run and run_id is None:
        ended = writeback_targets(deployment, job, engine, factory, RunRecorder(engine, 0), True, targets)
        return WritebackSummary(0, job.name, ended.status, ended.message, True, targets)
    if run_id is None:
        kind = "dry_run" if dry_run else "writeback"
        run_id = create_run(engine, job=job.name, kind=kind, trigger=trigger, params={"dry_run": dry_run})
    with run_lifecycle(engine, job.name, run_id) as (recorder, beat):
        ended = writeback_targets(deployment, job, engine, factory, recorder, dry_run, targets, beat.check)
        recorder.extra["targets"] = public_targets(targets)
        recorder.finish(ended.status, ended.message)
    return WritebackSummary(run_id, job.name, ended.status, ended.message, dry_run, targets)


def public_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets' summaries as the run row keeps them (without each record's planned values)."""
    return [{k: v for k, v in t.items() if k != "updates"} for t in targets]
