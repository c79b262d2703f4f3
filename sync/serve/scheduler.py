"""The scheduler: each job's cron schedule enqueues a run for the fire time, once across every replica.

APScheduler (3.x, in-process, UTC) only decides *when*; what happens is `queue.enqueue` with `scheduled_for`
set to the fire time, so replicas firing the same time hit the store's unique (job, scheduled_for) and
only one run exists per scheduled time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from config import Deployment, Job
from sync.runs import queue

log = structlog.get_logger("accountsync.scheduler")
MISFIRE_GRACE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Cadence:
    """How schedules are read: the job's cron, or (tests, demos) every `every_seconds` for every scheduled job."""

    every_seconds: int | None = None

    def trigger(self, job: Job) -> CronTrigger | None:
        """The trigger of a job, None for a manual-only job."""
        if job.schedule is None:
            return None
        if self.every_seconds is not None:
            return CronTrigger(second=f"*/{self.every_seconds}", timezone=UTC)
        return CronTrigger.from_crontab(job.schedule, timezone=UTC)


def next_fire_times(deployment: Deployment, *, now: datetime, cadence: Cadence | None = None) -> dict[str, datetime]:
    """Each scheduled job's next fire time after `now`."""
    cadence = cadence or Cadence()
    found = {}
    for job in deployment.jobs:
        trigger = cadence.trigger(job)
        fire = trigger.get_next_fire_time(None, now + timedelta(microseconds=1)) if trigger else None
        if fire is not None:
            found[job.name] = fire.astimezone(UTC)
    return found


def latest_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's latest fire time at or before `now` (the time a firing that runs at `now` stands for)."""
    lookback = timedelta(seconds=2)
    while lookback <= timedelta(days=400):
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is not None and fire <= now:
            while (after := trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))) is not None and after <= now:
                fire = after
            found: datetime = fire.astimezone(UTC).replace(microsecond=0)
            return found
        lookback *= 2
    return None


def enqueue_scheduled(engine: Engine, job: str, fire: datetime) -> queue.Enqueued:
    """Queue the whole job (pull, enrich, score, write back) for the fire time `fire` (truncated to the second);
    a duplicate is ignored."""
    at = fire.astimezone(UTC).replace(microsecond=0)
    queued = queue.enqueue(engine, job=job, kind="job", trigger="schedule", scheduled_for=at)
    log.info("scheduled run", job=job, scheduled_for=at.isoformat(), run_id=queued.run_id, created=queued.created)
    return queued


class RunScheduler:
    """APScheduler in a background thread, one entry per scheduled job; `update` follows a config reload."""

    def __init__(self, engine: Engine, *, cadence: Cadence | None = None, clock: Callable[[], datetime] | None = None):
        self._engine = engine
        self._cadence = cadence or Cadence()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._aps = BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()

    def start(self, deployment: Deployment) -> None:
        """Register the jobs' schedules and start firing."""
        self.update(deployment)
        self._aps.start()

    def update(self, deployment: Deployment) -> None:
        """Replace the registered schedules with the deployment's."""
        with self._lock:
            self._aps.remove_all_jobs()
            for job in deployment.jobs:
                trigger = self._cadence.trigger(job)
                if trigger is None:
                    continue
                self._aps.add_job(
                    self._fire, trigger, args=(job.name, trigger), id=job.name, name=job.name,
                    misfire_grace_time=MISFIRE_GRACE_SECONDS, coalesce=True, max_instances=1, replace_existing=True,
                )  # fmt: skip

    def shutdown(self) -> None:
        """Stop firing (a firing in progress completes)."""
        if self._aps.running:
            self._aps.shutdown(wait=True)

    def _fire(self, job: str, trigger: CronTrigger) -> None:
        fire = latest_fire_time(trigger, self._clock())
        if fire is None:
            return
        try:
            enqueue_scheduled(self._engine, job, fire)
        except Exception as exc:  # the store may be briefly away: the next fire time tries again
            log.error("scheduled enqueue failed", job=job, error=f"{type(exc).__name__}: {exc}")
