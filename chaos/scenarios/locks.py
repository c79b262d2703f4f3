"""Locks that hold: with a lease of a few seconds, a slow full sync and a slow write-back each keep their job
lock for as long as they work (a second run started after the lease is refused, not run beside them), a run
refused by the lock ends `cancelled` (never `queued` for ever), and the store still equals the CRMs after."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Final

from sqlalchemy import text

from chaos.checks import settle, verify_store
from chaos.report import Row
from chaos.stack import JOB, Backend, Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "locks"
LEASE: Final = 3.0  # seconds: the old heartbeat renewed every 15 s whatever the lease
SLOW_MS: Final = 1500
OPEN: Final = ("queued", "running")


def run(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(2):
        rng = ctx.rng(NAME, seed)
        backend: Backend = "postgresql" if seed % 2 else "sqlite"
        spec = StackSpec(seed=seed, accounts=rng.randint(120, 180), writeback=True, backend=backend)
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            first = stack.cli("run", JOB)  # scores to write back later
            row.runs += 1
            row.check(first.rc == 0, f"seed {seed}: the first job run failed: {first.last_line()}")
            label = f"seed {seed} {backend}"
            _overlap(stack, row, f"{label} slow full sync", ["sync", JOB, "--full"], ["sync", JOB])
            with stack.engine().begin() as conn:  # the next write-back reads every value back
                conn.execute(text("DELETE FROM writeback_ledger"))
            _overlap(stack, row, f"{label} slow write-back", ["writeback", JOB], ["writeback", JOB])
            stack.sandbox.faults.clear()
            left_open = [r for r in stack.runs() if r["status"] in OPEN]
            row.check(not left_open, f"{label}: runs left {[(r['id'], r['kind'], r['status']) for r in left_open]}")
            settle(stack, row, label)
            verify_store(stack, row, label)
        row.seeds += 1


def _overlap(stack: Stack, row: Row, label: str, first: Sequence[str], second: Sequence[str]) -> None:
    """Start `first` against slow CRMs, then `second` once the first has worked for more than 1.5 leases: the
    second must be refused (exit non-zero, its run `cancelled`), the first must complete."""
    for crm in stack.spec.crms:
        stack.sandbox.add_fault(crm=crm, kind="slow", ms=SLOW_MS)
    holder = _start(stack, first, "holder")
    time.sleep(LEASE * 1.5)
    if not row.check(holder.poll() is None, f"{label}: finished before a second run could overlap it"):
        return
    before = {r["id"] for r in stack.runs()}
    other = _start(stack, second, "second")
    second_rc = other.wait(timeout=300)
    row.runs += 1
    stack.sandbox.faults.clear()
    holder_rc = holder.wait(timeout=600)
    row.runs += 1
    row.check(holder_rc == 0, f"{label}: the run holding the lock exited {holder_rc}")
    row.check(second_rc != 0, f"{label}: a second run started {LEASE * 1.5:.1f} s in was not refused: the lock "
                              f"lapsed after its {LEASE:.0f} s lease")  # fmt: skip
    new = [r for r in stack.runs() if r["id"] not in before]
    refused = [r for r in new if r["status"] == "cancelled"]
    row.check(len(refused) == 1, f"{label}: the refused run's row is {[(r['kind'], r['status']) for r in new]}, "
                                 "not one cancelled run")  # fmt: skip
    row.notes.append(f"{label}: holder exit {holder_rc}, second exit {second_rc}")


def _start(stack: Stack, args: Sequence[str], name: str) -> subprocess.Popen[bytes]:
    """`accountsync ARGS -c CONFIG` in the background, with the short lease; output under logs/."""
    stem = stack.root / "logs" / f"locks-{name}-{time.monotonic_ns()}"
    env = stack.env() | {"ACCOUNTSYNC_LEASE_SECONDS": str(LEASE)}
    argv = [sys.executable, "-m", "accountsync", *args, "-c", str(stack.config_path)]
    with open(f"{stem}.out", "wb") as out, open(f"{stem}.err", "wb") as err:
        return subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=stack.root)
