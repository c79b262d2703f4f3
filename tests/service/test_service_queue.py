"""The run queue in the store: idempotent enqueue, one scheduled time once, claims one job at a time, takeover."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from sync import SourceAccount, SyncRun, session, utcnow
from sync.jobs import run_sync
from sync.runs.queue import (
    RunNotCancellable,
    RunNotFound,
    cancel,
    claim,
    enqueue,
    heartbeat,
    reap_stale,
)
from sync.runs.records import create_run


def _run(engine: Any, run_id: int) -> SyncRun:
    with session(engine) as s:
        run = s.get(SyncRun, run_id)
    assert run is not None
    return run


def test_the_same_idempotency_key_never_makes_two_runs(store) -> None:
    first = enqueue(store, job="nightly", idempotency_key="abc-1")
    again = enqueue(store, job="nightly", idempotency_key="abc-1")
    other = enqueue(store, job="nightly", idempotency_key="abc-2")
    assert first.created
    assert (again.run_id, again.created) == (first.run_id, False)
    assert other.created
    assert other.run_id != first.run_id


def test_a_scheduled_time_is_queued_once_per_job(store) -> None:
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    first = enqueue(store, job="nightly", trigger="schedule", scheduled_for=at)
    second = enqueue(store, job="nightly", trigger="schedule", scheduled_for=at)
    other_job = enqueue(store, job="manual", trigger="schedule", scheduled_for=at)
    assert first.created
    assert not second.created
    assert second.run_id == first.run_id
    assert other_job.created


def test_concurrent_enqueues_of_one_scheduled_time_make_one_run(store) -> None:
    at = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    results: list[int] = []
    barrier = threading.Barrier(6)

    def fire() -> None:
        barrier.wait()
        results.append(enqueue(store, job="nightly", trigger="schedule", scheduled_for=at).run_id)

    threads = [threading.Thread(target=fire) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    with session(store) as s:
        assert len(s.exec(select(SyncRun).where(SyncRun.scheduled_for == at)).all()) == 1


def test_a_worker_claims_the_oldest_queued_run_and_never_two_of_one_job(store) -> None:
    a1 = enqueue(store, job="nightly").run_id
    a2 = enqueue(store, job="nightly").run_id
    b1 = enqueue(store, job="manual").run_id
    first = claim(store, worker="w1")
    second = claim(store, worker="w2")
    assert first is not None
    assert second is not None
    assert (first.run_id, second.run_id) == (a1, b1)
    assert claim(store, worker="w3") is None  # a2 waits: its job is running
    assert _run(store, a1).worker == "w1"
    assert _run(store, a2).status == "queued"


def test_concurrent_claims_take_each_run_once_and_one_per_job(store) -> None:
    jobs = [f"job{i}" for i in range(4)]
    for job in jobs * 3:
        enqueue(store, job=job)
    claimed: list[Any] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        barrier.wait()
        run = claim(store, worker=f"w{i}")
        if run is not None:
            claimed.append(run)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.job for r in claimed) == jobs  # one run of each job, no job twice
    assert len({r.run_id for r in claimed}) == len(claimed)


def test_a_direct_cli_run_is_never_claimed_by_a_worker(store) -> None:
    create_run(store, job="nightly", trigger="cli")
    assert claim(store, worker="w1") is None


def test_only_a_queued_run_can_be_cancelled(store) -> None:
    queued = enqueue(store, job="nightly").run_id
    cancel(store, queued)
    assert _run(store, queued).status == "cancelled"
    running = enqueue(store, job="manual").run_id
    claim(store, worker="w1")
    with pytest.raises(RunNotCancellable):
        cancel(store, running)
    with pytest.raises(RunNotFound):
        cancel(store, 999_999)


def test_a_run_whose_heartbeat_is_older_than_the_lease_is_requeued(store) -> None:
    run_id = enqueue(store, job="nightly").run_id
    claim(store, worker="dead-replica")
    lease = timedelta(seconds=3)
    assert reap_stale(store, lease=lease) == []  # fresh heartbeat: left alone
    assert reap_stale(store, lease=lease, now=utcnow() + timedelta(seconds=10)) == [run_id]
    run = _run(store, run_id)
    assert run.status == "queued"
    assert run.worker is None
    assert run.params is not None
    assert run.params["resumes"][0]["from"] == "dead-replica"
    assert not heartbeat(store, run_id=run_id, worker="dead-replica")  # the old owner learns it lost the run
    taken = claim(store, worker="live-replica")
    assert taken is not None
    assert taken.run_id == run_id


def test_a_taken_over_run_resumes_from_the_committed_checkpoint(store, deployment, crm, factory) -> None:
    run_id = enqueue(store, job="nightly").run_id
    claim(store, worker="replica-a")
    crm.page_size = 4
    pages: list[int] = []

    class Dies:
        def stream_started(self, stream: str, expected: int | None) -> None: ...
        def stream_finished(self, stream: str) -> None: ...

        def advanced(self, stream: str, records: int) -> None:
            pages.append(records)
            if len(pages) == 2:
                raise KeyboardInterrupt  # replica A dies after its second committed page

    with pytest.raises(KeyboardInterrupt):
        run_sync(deployment, "nightly", engine=store, factory=factory, sink=Dies(), run_id=run_id)
    with session(store) as s, s.begin():  # what a SIGKILL leaves: a running row with an old heartbeat
        run = s.get(SyncRun, run_id)
        assert run is not None
        run.status, run.finished_at, run.heartbeat_at = "running", None, utcnow() - timedelta(minutes=5)
    assert reap_stale(store, lease=timedelta(seconds=3)) == [run_id]
    taken = claim(store, worker="replica-b")
    assert taken is not None
    crm.reads.clear()
    summary = run_sync(deployment, "nightly", engine=store, factory=factory, run_id=taken.run_id)
    assert summary.status == "succeeded"
    assert crm.reads[0][1] is not None  # resumed from a position, not from the start
    assert summary.streams["sf.Account"]["read"] == 4  # 12 records, 8 committed before the crash
    with session(store) as s:
        assert len(s.exec(select(SourceAccount)).all()) == 12


def test_a_direct_cli_run_whose_process_is_gone_is_closed_but_a_live_one_is_left_alone(store) -> None:
    from sync.runs import locks

    gone = create_run(store, job="nightly", trigger="cli")
    alive = create_run(store, job="manual", trigger="cli")
    old = utcnow() - timedelta(minutes=10)
    with session(store) as s, s.begin():
        for run_id in (gone, alive):
            run = s.get(SyncRun, run_id)
            assert run is not None
            run.status, run.heartbeat_at = "running", old
    locks.acquire(store, job="manual", run_id=alive, holder="elsewhere:1", lease=timedelta(minutes=5))
    assert reap_stale(store, lease=timedelta(seconds=60)) == []
    assert _run(store, gone).status == "failed"
    assert "abandoned" in (_run(store, gone).message or "")
    assert _run(store, alive).status == "running"  # its process still renews the job lock
