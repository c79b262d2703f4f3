"""SIGKILL a real `accountsync sync` process at seeded moments, rerun it, and find every record once.

Each seed starts the CLI as a child process against the sandbox, watches the store, and kills it with
SIGKILL once a seeded number of rows has been committed (plus a seeded few milliseconds, so the kill lands
inside a request, a page's transaction or between streams); some seeds kill it twice, some read through
Bulk API 2.0. A last run must finish the interrupted windows from their checkpoints (reading less than the whole
stream again), and the store must then equal the sandbox id by id and value by value, with no row twice and
no gap the reconciliation audit would have to repair.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.sync.conftest_e2e import (
    E2E,
    HS,
    SF,
    differences,
    duplicates,
    hs_truth,
    sf_truth,
    store_view,
)

# (seed, store, read through Bulk API 2.0, kills before the last run, Salesforce windows read as concurrent
# slices of 200-record pages): seven seeds over both backends.
CASES = [
    (0, "sqlite", False, 1, False), (1, "postgresql", True, 2, False), (2, "sqlite", True, 1, False),
    (3, "postgresql", False, 1, False), (4, "sqlite", False, 2, False), (5, "sqlite", False, 2, True),
    (6, "postgresql", False, 1, True),
]  # fmt: skip
SF_STREAMS = ("Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem")
HS_STREAMS = ("companies", "deals")
WAIT = 120.0
# Sliced cases: every Salesforce query page takes this long, so a window read in slices stays open for several
# polls of the watcher (on a fast or loaded machine, a 466-record window could otherwise open and close between
# two polls, and the kill land outside it).
SLICE_PAGE_MS = 40


def truths(e2e: E2E) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    found = {(SF, obj): sf_truth(e2e.sandbox, obj) for obj in SF_STREAMS}
    return found | {(HS, obj): hs_truth(e2e.sandbox, obj) for obj in HS_STREAMS}


def stored_rows(engine: Engine) -> int:
    """Rows of pulled records committed so far (accounts, opportunities, line items, Salesforce history)."""
    sql = (
        "SELECT (SELECT count(*) FROM source_account) + (SELECT count(*) FROM opportunity) "
        "+ (SELECT count(*) FROM product_line) + (SELECT count(*) FROM stage_history WHERE source_id IS NOT NULL)"
    )
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def in_flight(engine: Engine) -> dict[str, str | None]:
    """Streams whose window was left unfinished, with the mode of their last committed position."""
    sql = "SELECT connection, stream, mode FROM stream_cursor WHERE window_end IS NOT NULL"
    with engine.connect() as conn:
        return {f"{c}.{s}": mode for c, s, mode in conn.execute(text(sql)).all()}


def kill_after(e2e: E2E, proc: subprocess.Popen[bytes], rows: int, delay: float, *, in_slices: bool = False) -> bool:
    """SIGKILL `proc` once `rows` rows are committed (and `delay` seconds more), or with `in_slices` once a
    window read in slices is open and has committed `rows` rows; False if it ended first."""
    deadline = time.monotonic() + WAIT
    while not _moment(e2e.engine, rows, in_slices):
        if proc.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the sync made no progress"
        time.sleep(0.005)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=10) == -signal.SIGKILL  # else it ended on its own just before the signal


def sliced_windows(engine: Engine) -> int:
    """Slices recorded by unfinished windows read concurrently."""
    with engine.connect() as conn:
        states = [s for (s,) in conn.execute(text("SELECT state FROM stream_cursor WHERE window_end IS NOT NULL"))]
    return sum(len((json.loads(s) if isinstance(s, str) else s or {}).get("slices") or []) for s in states)


_opened: dict[int, int] = {}


def _moment(engine: Engine, rows: int, in_slices: bool) -> bool:
    if not in_slices:
        return stored_rows(engine) >= rows
    if not sliced_windows(engine):
        _opened.pop(id(engine), None)
        return False
    start = _opened.setdefault(id(engine), stored_rows(engine))
    return stored_rows(engine) - start >= rows


@pytest.mark.parametrize(("seed", "backend", "bulk", "kills", "sliced"), CASES)
def test_sigkill_at_a_seeded_moment_then_a_rerun_stores_every_record_once_at_its_value(
    request, e2e_starter, seed, backend, bulk, kills, sliced
) -> None:
    rng = random.Random(seed)
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    paging = {"page_size": 200, "pull_concurrency": 4} if sliced else {"pull_concurrency": 1}
    e2e = e2e_starter(url, accounts=150, bulk_threshold=100 if bulk else 50_000, **paging)
    if sliced:
        e2e.sandbox.add_fault(crm="salesforce", kind="slow", ms=SLICE_PAGE_MS, path="/query", regex=True)
    expected = truths(e2e)
    total = sum(len(t) for t in expected.values())
    killed, left, sliced_kills = 0, {}, 0
    attempt = 0
    # A kill meant for a sliced window that finished first is followed by another (three more at most).
    while attempt < kills or (sliced and not sliced_kills and attempt < kills + 3):
        done = stored_rows(e2e.engine)
        # Sliced: rows committed since a sliced window opened, fewer than the smallest such window holds (466).
        target = rng.randrange(0, 300) if sliced else done + rng.randrange(1, max(2, total - done))
        delay = rng.uniform(0, SLICE_PAGE_MS / 4000) if sliced else rng.uniform(0, 0.05)
        proc = e2e.cli("sync", "e2e", log=f"killed{attempt}")
        if kill_after(e2e, proc, target, delay, in_slices=sliced):
            killed += 1
            left = in_flight(e2e.engine)
            sliced_kills += sliced_windows(e2e.engine) > 1
        attempt += 1
    assert killed, "no run was killed: the seed's moment came after the sync ended"
    if sliced:
        assert sliced_kills, "no kill left a window read in slices: the concurrent path was not exercised"

    final = e2e.cli("sync", "e2e", "--json", log="final")
    assert final.wait(timeout=WAIT) == 0, e2e.output("final")
    summary = json.loads(e2e.output("final")[0])
    assert [e for e in summary["errors"] if e["kind"] == "reconciliation"] == [], "a gap needed repairing"
    assert summary["status"] == "succeeded", summary["message"]
    resumed = {name: mode for name, mode in left.items() if mode is not None}
    for name in resumed:
        crm, _, obj = name.partition(".")
        if (crm, obj) in expected:
            assert summary["streams"][name]["read"] < len(expected[(crm, obj)]), f"{name} was read again in full"

    stored = {(crm, obj): store_view(e2e.engine, obj, crm) for crm, obj in expected}
    assert {key: differences(expected[key], stored[key]) for key in expected} == {key: {} for key in expected}
    assert duplicates(e2e.engine) == {}
    with e2e.engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT id, status FROM sync_run")).all())
    assert "running" not in statuses.values(), "a killed run's row is closed by the run that took its lock over"


# HubSpot answers this slowly in the search cases: a call's round trip makes search's 200 a page at 5 a second
# faster than the list's 100 a page, so every HubSpot full read takes its live records by search.
HS_SLOW_MS = 150


def searching_in_full(engine: Engine) -> bool:
    """A full read by search has committed a page and is not finished."""
    sql = "SELECT count(*) FROM stream_cursor WHERE window_end IS NOT NULL AND window_start IS NULL AND mode = 'search'"
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one()) > 0


@pytest.mark.parametrize(("seed", "backend"), [(11, "sqlite"), (12, "postgresql")])
def test_sigkill_inside_a_hubspot_full_read_by_search_then_a_rerun_stores_every_record_once(
    request, e2e_starter, seed, backend
) -> None:
    rng = random.Random(seed)
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    e2e = e2e_starter(url, accounts=400, pull_concurrency=1)
    e2e.sandbox.add_fault(crm="hubspot", kind="slow", ms=HS_SLOW_MS)
    expected = truths(e2e)
    proc = e2e.cli("sync", "e2e", log="killed")
    deadline = time.monotonic() + WAIT
    while not searching_in_full(e2e.engine):
        assert proc.poll() is None, "the sync ended before any HubSpot full read by search committed a page"
        assert time.monotonic() < deadline, "the sync made no progress"
        time.sleep(0.005)
    time.sleep(rng.uniform(0, HS_SLOW_MS / 1000))
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    left = {name: mode for name, mode in in_flight(e2e.engine).items() if name.startswith(f"{HS}.")}
    assert "search" in left.values() or "deleted" in left.values(), left

    final = e2e.cli("sync", "e2e", "--json", log="final")
    assert final.wait(timeout=WAIT) == 0, e2e.output("final")
    summary = json.loads(e2e.output("final")[0])
    assert summary["status"] == "succeeded", summary["message"]
    assert [e for e in summary["errors"] if e["kind"] == "reconciliation"] == [], "a gap needed repairing"
    for name, mode in left.items():
        obj = name.partition(".")[2]
        if mode is not None and (HS, obj) in expected:
            assert summary["streams"][name]["read"] < len(expected[(HS, obj)]), f"{name} was read again in full"
    stored = {(crm, obj): store_view(e2e.engine, obj, crm) for crm, obj in expected}
    assert {key: differences(expected[key], stored[key]) for key in expected} == {key: {} for key in expected}
    assert duplicates(e2e.engine) == {}
