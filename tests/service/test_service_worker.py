"""Queue workers: a claimed run goes through sync.jobs, a stop checkpoints and re-queues it, the lock is honoured."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from sqlmodel import select

from sync import SourceAccount, SyncRun, session
from sync.runs import locks
from sync.runs.queue import enqueue
from sync.serve.service import DeploymentHolder, Service, ServiceSettings
from sync.serve.worker import Worker, WorkerSettings


def _run(engine: Any, run_id: int) -> SyncRun:
    with session(engine) as s:
        run = s.get(SyncRun, run_id)
    assert run is not None
    return run


def _worker(store: Any, deployment: Any, factory: Any, stopping: threading.Event | None = None) -> Worker:
    settings = WorkerSettings(name="test:1/0", lease=timedelta(seconds=4), poll_seconds=0.05, factory=factory)
    return Worker(store, lambda: deployment, settings, stopping or threading.Event())


def test_a_worker_runs_a_queued_sync_to_success(store, deployment, factory) -> None:
    run_id = enqueue(store, job="nightly", params={"objects": ["Account"]}).run_id
    assert _worker(store, deployment, factory).run_once()
    run = _run(store, run_id)
    assert run.status == "succeeded"
    assert run.worker == "test:1/0"
    assert run.counts is not None
    assert run.counts["inserted"] == 12
    assert not _worker(store, deployment, factory).run_once()  # nothing left


def test_a_run_of_an_unknown_job_fails_with_its_reason(store, deployment, factory) -> None:
    run_id = enqueue(store, job="gone").run_id
    _worker(store, deployment, factory).run_once()
    run = _run(store, run_id)
    assert run.status == "failed"
    assert run.message is not None
    assert "no job named `gone`" in run.message


def test_stopping_checkpoints_after_the_page_and_requeues_the_run(store, deployment, crm, factory) -> None:
    crm.page_sleep = 0.15
    stopping = threading.Event()
    run_id = enqueue(store, job="nightly").run_id
    worker = _worker(store, deployment, factory, stopping)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    while crm.pages_served < 2:
        time.sleep(0.02)
    stopping.set()
    thread.join(timeout=10)
    run = _run(store, run_id)
    assert run.status == "queued"
    assert run.message is not None
    assert "stopping" in run.message
    with session(store) as s:
        stored = len(s.exec(select(SourceAccount)).all())
    assert 0 < stored < 12  # committed pages are kept
    crm.page_sleep = 0
    assert _worker(store, deployment, factory).run_once()  # resumes
    assert _run(store, run_id).status == "succeeded"
    assert _run(store, run_id).counts["read"] == 12 - stored  # type: ignore[index]


def test_a_job_locked_by_a_direct_run_sends_the_queued_run_back(store, deployment, factory) -> None:
    locks.acquire(store, job="nightly", run_id=424242, holder="other-host:1")
    run_id = enqueue(store, job="nightly").run_id
    _worker(store, deployment, factory).run_once()
    run = _run(store, run_id)
    assert run.status == "queued"
    assert "already running" in (run.message or "")


def test_the_service_runs_queued_runs_with_several_workers_one_per_job(store, deployment, factory) -> None:
    ids = [enqueue(store, job=job).run_id for job in ("nightly", "manual", "nightly", "manual")]
    settings = ServiceSettings(workers=3, lease=timedelta(seconds=4), poll_seconds=0.05, scheduler=False,
                               factory=factory)  # fmt: skip
    service = Service(store, DeploymentHolder(lambda: deployment), settings)
    service.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_run(store, i).status != "succeeded" for i in ids):
        time.sleep(0.1)
    service.stop(timeout=10)
    runs = [_run(store, i) for i in ids]
    assert [r.status for r in runs] == ["succeeded"] * 4
    for job in ("nightly", "manual"):
        spans = sorted((r.started_at, r.finished_at) for r in runs if r.job == job)
        assert spans[0][1] <= spans[1][0]  # never two runs of a job at once
