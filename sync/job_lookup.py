"""Find a job of the deployment by name (every kind of run starts here)."""

from __future__ import annotations

from config import Deployment, Job
from sync.errors import JobError


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
