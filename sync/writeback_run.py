"""Write-back over a job's targets: recover pending batches, plan, provision, send; or only plan (dry run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from config import Deployment, Job, WritebackTarget
from connectors import Connector, ConnectorError, StopError
from sync.pull_job import ConnectorFactory
from sync.runs import RunRecorder
from sync.writeback import TargetPlan, check_provisioning, latest_scores, plan_target, provision
from sync.writeback_send import recover_pending, send_plan


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
) -> tuple[str, str | None]:
    """Each target in turn; `out` receives each target's plan (and what was sent). Returns status and message.

    Every target is planned and checked before any field is created or any value sent, so a target that cannot
    be written (missing fields that may not be created, an incompatible field) stops the run with nothing written.
    """
    connectors: dict[str, Connector] = {}
    try:
        plans = _plan_targets(deployment, job, engine, factory, recorder, dry_run, connectors)
        if not dry_run:
            for target, connector, plan in plans:
                check_provisioning(plan, target, connector)
        for target, connector, plan in plans:
            out.append(plan.as_dict() | _send(engine, target, connector, plan, recorder, dry_run))
    except StopError as exc:
        return "stopped_for_budget", str(exc)
    except ConnectorError as exc:
        recorder.error("connector", str(exc), code=exc.code)
        return "failed", str(exc)
    finally:
        for connector in connectors.values():
            recorder.note_quota(connector.name, connector.quota())
            connector.close()
    return ("partial" if recorder.errors else "succeeded"), None


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
        connector = connectors.get(target.connection) or factory(deployment, target.connection, job)
        connectors[target.connection] = connector
        if not dry_run:
            recovered = recover_pending(engine, target, connector, recorder.run_id)
            recorder.extra["recovered"] = recorder.extra.get("recovered", 0) + recovered
        plans.append((target, connector, plan_target(engine, job, target, connector, scores)))
    return plans


def _send(
    engine: Engine,
    target: WritebackTarget,
    connector: Connector,
    plan: TargetPlan,
    recorder: RunRecorder,
    dry_run: bool,
) -> dict[str, Any]:
    """Create the target's missing fields and send its plan; what was sent, for the summary."""
    if dry_run:
        return {}
    provision(plan, target, connector)
    sent = send_plan(engine, plan, connector, recorder.run_id)
    if sent.rejected:
        recorder.error("rejected", f"{sent.rejected} record(s) refused by {target.connection}")
    return {"sent": sent.__dict__}
