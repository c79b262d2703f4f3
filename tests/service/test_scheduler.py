"""The scheduler: cron fire times, enqueueing for the fire time, two schedulers on one store run a time once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from sync import SyncRun, session
from sync.serve.scheduler import Cadence, RunScheduler, latest_fire_time, next_fire_times


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("*/5 * * * *", datetime(2026, 11, 24, 9, 7, 30, tzinfo=UTC), datetime(2026, 11, 24, 9, 5, tzinfo=UTC)),
        ("*/5 * * * *", datetime(2026, 11, 24, 9, 5, 0, 4000, tzinfo=UTC), datetime(2026, 11, 24, 9, 5, tzinfo=UTC)),
        ("0 2 * * *", datetime(2026, 11, 24, 1, 0, tzinfo=UTC), datetime(2026, 11, 23, 2, 0, tzinfo=UTC)),
    ],
)
def test_a_firing_stands_for_the_latest_fire_time_at_or_before_now(cron, now, expected) -> None:
    assert latest_fire_time(CronTrigger.from_crontab(cron, timezone="UTC"), now) == expected


def test_next_fire_times_list_only_scheduled_jobs(deployment) -> None:
    fires = next_fire_times(deployment, now=datetime(2026, 11, 24, 9, 7, 30, tzinfo=UTC))
    assert fires == {"nightly": datetime(2026, 11, 24, 9, 10, tzinfo=UTC)}
    fast = next_fire_times(deployment, now=datetime(2026, 11, 24, 9, 7, 30, tzinfo=UTC), cadence=Cadence(2))
    assert fast == {"nightly": datetime(2026, 11, 24, 9, 7, 32, tzinfo=UTC)}


def test_two_schedulers_on_one_store_queue_each_fire_time_once(store, deployment) -> None:
    schedulers = [RunScheduler(store, cadence=Cadence(every_seconds=1)) for _ in range(2)]
    for scheduler in schedulers:
        scheduler.start(deployment)
    time.sleep(2.5)
    for scheduler in schedulers:
        scheduler.shutdown()
    with session(store) as s:
        runs = s.exec(select(SyncRun).order_by(col(SyncRun.scheduled_for))).all()
    times = [r.scheduled_for for r in runs]
    assert len(times) >= 2
    assert len(times) == len(set(times))
    assert {r.job for r in runs} == {"nightly"}
    assert {r.trigger for r in runs} == {"schedule"}
    assert all(t is not None and t.microsecond == 0 for t in times)
