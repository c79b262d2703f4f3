"""Write-back over a job's targets: recover pending batches, plan, provision, send; or only plan (dry run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from config import Deployment, Job
from connectors import Connector, ConnectorError, StopError
from sync.pull_job import ConnectorFactory
from sync.runs import RunRecorder
from sync.writeback import latest_scores, plan_target, provision
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
    """Each target in turn; `out` receives each target's plan (and what was sent). Returns status and message."""
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
