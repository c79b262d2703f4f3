"""One run lifecycle: a run renews its lock at a fraction of its lease whatever the lease, stops when another
run took its lock over (recorded `stopped`), and a run refused by the lock ends `cancelled`."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from sync import JobLock, SyncRun, build_engine, session, upgrade
from sync.errors import JobLocked, LockLost
from sync.runs.lease import LEASE, LEASE_ENV
from sync.runs.lifecycle import run_lifecycle
from sync.runs.locks import acquire
from sync.runs.records import create_run
from sync.store.tables import utcnow


@pytest.fixture
def engine(database_url, monkeypatch):
    monkeypatch.setenv(LEASE_ENV, "0.9")  # a lease of 0.9 s: renewed every 0.3 s
    made = build_engine(database_url)
    upgrade(made)
    yield made
    made.dispose()


def _status(engine, run_id: int) -> str:
    with session(engine) as s:
        run = s.get(SyncRun, run_id)
        assert run is not None
        return run.status


def test_a_run_keeps_a_short_lease_for_as_long_as_it_works(engine) -> None:
    holder, second = create_run(engine, job="j"), create_run(engine, job="j")
    with run_lifecycle(engine, "j", holder) as (recorder, beat):
        deadline = time.monotonic() + 3  # more than three leases
        while time.monotonic() < deadline:
            with pytest.raises(JobLocked):
                acquire(engine, job="j", run_id=second)
            beat.check()
            time.sleep(0.25)
        recorder.finish("succeeded")
    assert _status(engine, holder) == "succeeded"


def _work_while_another_run_takes_the_lock(engine, holder: int, thief: int) -> None:
    with run_lifecycle(engine, "j", holder) as (_recorder, beat):
        with session(engine) as s, s.begin():  # the lease lapsed (a stalled process) and another run took over
            s.delete(s.exec(select(JobLock).where(JobLock.job == "j")).one())
            s.flush()
            now = utcnow()
            s.add(JobLock(job="j", run_id=thief, holder="elsewhere:2", acquired_at=now, expires_at=now + LEASE))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the run's page or batch boundaries
            beat.check()
            time.sleep(0.05)


def test_a_run_whose_lock_was_taken_over_stops_and_says_so(engine) -> None:
    holder, thief = create_run(engine, job="j"), create_run(engine, job="j")
    with pytest.raises(LockLost):
        _work_while_another_run_takes_the_lock(engine, holder, thief)
    assert _status(engine, holder) == "stopped"
    with session(engine) as s:
        assert s.exec(select(JobLock.run_id).where(JobLock.job == "j")).one() == thief  # left to its new holder


def _refused_inside(engine, holder: int, refused: int) -> JobLocked | None:
    caught = None
    with run_lifecycle(engine, "j", holder) as (recorder, _beat):
        try:
            with run_lifecycle(engine, "j", refused):
                pytest.fail("the lock was given twice")
        except JobLocked as exc:
            caught = exc
        recorder.finish("succeeded")
    return caught


def test_a_run_refused_by_the_lock_ends_cancelled(engine) -> None:
    holder, refused = create_run(engine, job="j"), create_run(engine, job="j")
    assert isinstance(_refused_inside(engine, holder, refused), JobLocked)
    assert (_status(engine, holder), _status(engine, refused)) == ("succeeded", "cancelled")
