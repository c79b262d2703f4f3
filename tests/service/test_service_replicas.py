"""Two `accountsync serve` processes on one PostgreSQL schema: each scheduled time runs once, never two runs of
a job at once, and a replica killed mid-run has its run resumed by the other from the committed checkpoint.

The processes are real: `accountsync serve` with ACCOUNTSYNC_SCHEDULE_SECONDS=2 (every scheduled job fires every
2 s instead of its cron), ACCOUNTSYNC_LEASE_SECONDS=3, and ACCOUNTSYNC_CONNECTOR_FACTORY=tests.service.fakecrm:build
(a fake Salesforce org per process; FAKE_CRM_PAGE_SLEEP makes pages slow enough to kill a replica mid-run).
"""

from __future__ import annotations

import itertools
import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from sync import SourceAccount, SyncRun, build_engine, session, upgrade
from sync.access.tokens import create_token

from .conftest import Replica, bearer, write_config
from .fakecrm import SECRET

EVERY = 2
WATCH_SECONDS = 18


def _runs(engine: Any, job: str) -> list[SyncRun]:
    with session(engine) as s:
        return list(s.exec(select(SyncRun).where(SyncRun.job == job).order_by(col(SyncRun.id))).all())


def _log_lines(replica: Replica) -> list[dict[str, Any]]:
    lines = []
    for line in replica.logs().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_two_replicas_run_each_scheduled_time_exactly_once_and_never_overlap(pg_url, tmp_path, replicas) -> None:
    engine = build_engine(pg_url)
    upgrade(engine)
    config = write_config(tmp_path)
    env = {"ACCOUNTSYNC_SCHEDULE_SECONDS": str(EVERY), "ACCOUNTSYNC_LEASE_SECONDS": "3", "FAKE_CRM_PAGE_SLEEP": "0.05"}
    for name in ("a", "b"):
        replicas.append(Replica(name, config, pg_url, tmp_path, **env))
    for replica in replicas:
        replica.wait_ready()
    begin = datetime.now(UTC)
    time.sleep(WATCH_SECONDS)
    end = datetime.now(UTC)
    for replica in replicas:
        assert replica.stop() == 0
    runs = [r for r in _runs(engine, "nightly") if r.trigger == "schedule"]
    times = [r.scheduled_for for r in runs]
    assert len(times) == len(set(times)), "a scheduled time was queued twice"
    first = begin.replace(microsecond=0) + timedelta(seconds=EVERY + 1)
    expected = [
        first + timedelta(seconds=s) for s in range(WATCH_SECONDS - 2 * EVERY) if (first.second + s) % EVERY == 0
    ]
    assert set(expected) <= set(times), f"missed: {sorted(set(expected) - set(times))}"
    finished = [r for r in runs if r.finished_at is not None and r.scheduled_for is not None and r.scheduled_for < end]
    assert [r.status for r in finished] == ["succeeded"] * len(finished)
    spans = sorted((r.started_at, r.finished_at) for r in runs if r.started_at and r.finished_at)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "two runs of the job overlapped"
    fired = {replica.name: [line for line in _log_lines(replica) if line.get("event") == "scheduled run"]
             for replica in replicas}  # fmt: skip
    assert all(fired.values()), "both replicas fire the schedule"
    assert any(not line["created"] for lines in fired.values() for line in lines), "duplicates were ignored"
    assert len({r.worker.split("/")[0] for r in runs if r.worker}) == 2, "both replicas worked"
    engine.dispose()


def test_a_replica_killed_mid_run_has_its_run_resumed_by_the_other(pg_url, tmp_path, replicas) -> None:
    engine = build_engine(pg_url)
    upgrade(engine)
    token = create_token(engine, name="ops", role="operator")
    config = write_config(tmp_path)
    env = {"ACCOUNTSYNC_LEASE_SECONDS": "3", "FAKE_CRM_ACCOUNTS": "30", "FAKE_CRM_PAGE_SLEEP": "0.3"}
    for name in ("a", "b"):
        replicas.append(Replica(name, config, pg_url, tmp_path, **env))
    for replica in replicas:
        replica.wait_ready()
    response = httpx.post(f"{replicas[0].url}/api/jobs/nightly/runs", json={"kind": "sync"}, headers=bearer(token))
    run_id = response.json()["run"]["id"]
    stored = _wait_for_pages(engine, at_least=9)
    owner = _wait_for(engine, run_id, lambda r: r.worker is not None, timeout=5).worker
    assert owner is not None
    [victim] = [r for r in replicas if f":{r.process.pid}/" in owner]
    [survivor] = [r for r in replicas if r is not victim]
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    killed_at = time.monotonic()
    run = _wait_for(engine, run_id, lambda r: r.status == "succeeded", timeout=60)
    took = time.monotonic() - killed_at
    assert run.worker is not None
    assert f":{survivor.process.pid}/" in run.worker
    assert run.params is not None
    [resume] = run.params["resumes"]
    assert resume["from"] == owner
    assert run.counts is not None
    assert 0 < run.counts["read"] <= 30 - stored  # the survivor read only what the victim had not committed
    with session(engine) as s:
        assert len(s.exec(select(SourceAccount)).all()) == 30
    assert took < 30
    lines = [line for line in _log_lines(survivor) if line.get("run_id") == run_id]
    assert any(line["event"] == "re-queued a run whose worker stopped beating" for line in lines)
    assert survivor.stop() == 0
    engine.dispose()


def test_sigterm_checkpoints_the_current_run_and_logs_json_with_the_run_id_and_no_secret(
    pg_url, tmp_path: Path, replicas
) -> None:
    engine = build_engine(pg_url)
    upgrade(engine)
    token = create_token(engine, name="ops", role="admin")
    env = {"FAKE_CRM_ACCOUNTS": "30", "FAKE_CRM_PAGE_SLEEP": "0.2"}
    replica = Replica("a", write_config(tmp_path), pg_url, tmp_path, **env)
    replicas.append(replica)
    replica.wait_ready()
    run_id = httpx.post(f"{replica.url}/api/jobs/nightly/runs", json={}, headers=bearer(token)).json()["run"]["id"]
    httpx.get(f"{replica.url}/api/jobs", headers=bearer(token))
    _wait_for_pages(engine, at_least=6)
    assert replica.stop(timeout=20) == 0
    run = _wait_for(engine, run_id, lambda r: r.status == "queued", timeout=5)
    assert run.message is not None
    assert "stopping" in run.message
    lines = _log_lines(replica)
    assert lines, replica.logs()[-2000:]
    run_lines = [line for line in lines if line.get("run_id") == run_id]
    assert {"run claimed", "stream started", "run interrupted and re-queued: it resumes from its checkpoint"} <= {
        line["event"] for line in run_lines
    }
    text = replica.logs()
    for secret in (SECRET, token, "fake-client-id"):
        assert secret not in text
    engine.dispose()


def _wait_for_pages(engine: Any, *, at_least: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session(engine) as s:
            stored = len(s.exec(select(SourceAccount)).all())
        if stored >= at_least:
            return stored
        time.sleep(0.05)
    raise AssertionError(f"only {stored} records stored")


def _wait_for(engine: Any, run_id: int, done: Any, timeout: float) -> SyncRun:
    deadline = time.monotonic() + timeout
    while True:
        with session(engine) as s:
            run = s.get(SyncRun, run_id)
        assert run is not None
        if done(run) or time.monotonic() > deadline:
            assert done(run), f"run {run_id}: {run.status} {run.message}"
            return run
        time.sleep(0.1)
