"""`/api/jobs`: the jobs with their next fire times, and asking for a run (queued, honouring Idempotency-Key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Response, status

from accountsync.api.auth import AUTH_RESPONSES, Operator, Viewer
from accountsync.api.bodies import ConnectionOut, ErrorOut, JobOut, JobsOut, RunCreate, RunCreated, RunOut
from accountsync.api.state import ApiState, state_of
from config import Deployment, HubSpotConnection, Job
from sync.pull import AccountNotFound, resolve_account
from sync.runs import active_counts, enqueue, get_run
from sync.serve import next_fire_times

router = APIRouter(prefix="/api", tags=["jobs"], responses=AUTH_RESPONSES)
State = Annotated[ApiState, Depends(state_of)]
JobName = Annotated[str, Path(min_length=1, max_length=64, description="The job's name.")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[!-~]+$",
           description="The same key never starts two runs: the first run is returned again."),
]  # fmt: skip


def _connections(deployment: Deployment) -> list[ConnectionOut]:
    found = []
    for name, conn in sorted(deployment.connections.items()):
        if isinstance(conn, HubSpotConnection):
            found.append(ConnectionOut(name=name, type=conn.type, url=conn.base_url, auth="private_app"))
        else:
            found.append(ConnectionOut(name=name, type=conn.type, url=conn.login_url, auth=conn.auth))
    return found


def _job_out(job: Job, fire: datetime | None, counts: dict[str, int]) -> JobOut:
    return JobOut.model_validate({
        "name": job.name, "schedule": job.schedule, "next_fire_at": fire,
        "sources": [{"connection": s.connection, "objects": list(s.objects)} for s in job.sources],
        "writeback": [{"connection": t.connection, "object": t.object, "fields": t.fields} for t in job.writeback],
        "queued": counts.get("queued", 0), "running": counts.get("running", 0),
    })  # fmt: skip


@router.get("/jobs", response_model=JobsOut, summary="Jobs, schedules and next fire times")
def list_jobs(_caller: Viewer, state: State) -> JobsOut:
    """Every job with its schedule, next fire time and queued/running runs; connections without secrets."""
    deployment = state.deployments.get()
    fires = next_fire_times(deployment, now=datetime.now(UTC), cadence=state.cadence)
    counts = active_counts(state.engine)
    jobs = [_job_out(job, fires.get(job.name), counts.get(job.name, {})) for job in deployment.jobs]
    return JobsOut(jobs=jobs, connections=_connections(deployment))


@router.post(
    "/jobs/{job}/runs", response_model=RunCreated, status_code=status.HTTP_201_CREATED, summary="Queue a run",
    responses={200: {"model": RunCreated, "description": "The Idempotency-Key's run, already queued."},
               404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)  # fmt: skip
def create_run(
    job: JobName, body: RunCreate, _caller: Operator, state: State, response: Response, key: IdempotencyKey = None
) -> RunCreated:
    """Queue a run of the job; a worker on any replica picks it up. The same Idempotency-Key returns the same run."""
    found = next((j for j in state.deployments.get().jobs if j.name == job), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job named `{job}`")
    known = {o for source in found.sources for o in source.objects}
    unknown = sorted(set(body.objects or ()) - known)
    if unknown:
        message = f"objects not read by job `{job}`: {', '.join(unknown)} (it reads {', '.join(sorted(known))})"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", "objects"], "msg": message, "type": "value_error"}])  # fmt: skip
    account = _account(state, body) if body.account is not None else None
    params = {"objects": list(body.objects or []), "account": account, "requested_by": _caller.name}
    kind = "account" if account is not None else body.kind
    queued = enqueue(state.engine, job=job, kind=kind, trigger="api", params=params, idempotency_key=key)
    run = get_run(state.engine, queued.run_id)
    assert run is not None
    if not queued.created:
        if (run.job, run.kind) != (job, kind):
            raise HTTPException(status.HTTP_409_CONFLICT, "this Idempotency-Key was used for a different request")
        response.status_code = status.HTTP_200_OK
    return RunCreated(created=queued.created, run=RunOut.model_validate(run))


def _account(state: State, body: RunCreate) -> str:
    """The account key a single-account resync is for (given as a key or a CRM record id), or a 422."""
    assert body.account is not None
    if body.kind not in ("sync", "full", "account"):
        message = f"`account` resyncs one account: it goes with kind account, sync or full, not {body.kind}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", "account"], "msg": message, "type": "value_error"}])  # fmt: skip
    try:
        return resolve_account(state.engine, body.account).key
    except AccountNotFound as exc:
        detail = [{"loc": ["body", "account"], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
