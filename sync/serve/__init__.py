"""The serve wing: what `accountsync serve` runs: the scheduler enqueueing each job's cron fires once across
replicas, queue workers claiming runs and running them through `sync.jobs`, and the service holding both."""

from __future__ import annotations

from sync.serve.scheduler import Cadence, RunScheduler, next_fire_times
from sync.serve.service import DeploymentHolder, Service, ServiceSettings

__all__ = ["Cadence", "DeploymentHolder", "RunScheduler", "Service", "ServiceSettings", "next_fire_times"]
