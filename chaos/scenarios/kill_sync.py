"""SIGKILL of `accountsync sync` at seeded moments (on the k-th CRM request as it arrives or once answered, or
after a random delay), on REST and Bulk paths, both CRMs, SQLite and PostgreSQL; then a rerun: the store
must equal the source, id by id and value by value. Salesforce REST reads page by 200 records, so every window
of more than a page is read as concurrent slices (each with its own checkpoint). In every other HubSpot variant
HubSpot answers 150 ms slowly, so its full reads take their live records by search (checkpointed by id), not
by the list."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from chaos.breakage import break_checkpoint
from chaos.checks import clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import Backend, Stack, StackSpec
from chaos.suite import Context
from chaos.tap import Hook

__all__ = ["Calibration", "KillPlan", "kill_plan", "run", "variant"]

NAME: Final = "kill-sync"
CRM_SETS: Final = (("salesforce", "hubspot"), ("salesforce",), ("hubspot",))
BULK_THRESHOLD: Final = 10  # every Salesforce window above 10 records goes through Bulk 2.0
SLICED_PAGE: Final = 200  # the smallest REST page: REST windows of more than 200 records are read in slices
HS_SLOW_MS: Final = 150  # search then reads 1.3x the list: HubSpot full reads go by search (hubspot/full_read.py)


@dataclass(frozen=True)
class Calibration:
    """A clean run of one variant: how many CRM requests it made and how long it took."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class KillPlan:
    """One kill: at the `at`-th CRM request (`arrive` or `respond`), or after `delay` seconds (`timer`)."""

    mode: str
    at: int = 0
    delay: float = 0.0

    def describe(self) -> str:
        return f"after {self.delay:.2f} s" if self.mode == "timer" else f"at request {self.at} ({self.mode})"


def variant(index: int, seed: int) -> tuple[tuple[str, ...], bool, Backend, bool]:
    """The seed's CRMs, whether Salesforce reads go through Bulk, the store backend, and whether HubSpot answers
    slowly (its full reads then go by search)."""
    crms = CRM_SETS[index % len(CRM_SETS)]
    bulk = (index // len(CRM_SETS)) % 2 == 1 or (seed % 2 == 0 and crms == ("salesforce",))
    backend: Backend = "postgresql" if index % 4 == 3 else "sqlite"
    hs_search = "hubspot" in crms and (index // len(CRM_SETS)) % 2 == 0
    return crms, bulk, backend, hs_search


def kill_plan(rng: random.Random, calibration: Calibration, *, early: bool = False) -> KillPlan:
    """A seeded kill inside a run like the calibrated one (`early`: in its first half)."""
    mode = rng.choice(("arrive", "respond", "timer"))
    span = 0.5 if early else 1.0
    if mode == "timer":
        return KillPlan(mode, delay=round(rng.uniform(0.3, max(0.4, calibration.seconds * span)), 2))
    return KillPlan(mode, at=rng.randint(1, max(1, int(calibration.requests * span))))


_calibrations: dict[tuple[tuple[str, ...], bool, bool], Calibration] = {}


def calibrate(stack: Stack, row: Row, key: tuple[tuple[str, ...], bool, bool]) -> Calibration:
    """A clean sync on this stack (then the store is emptied again), once per variant."""
    if key not in _calibrations:
        before = stack.tap.requests
        proc = stack.sync()
        row.runs += 1
        clean_exit(row, proc, "calibration")
        _calibrations[key] = Calibration(max(1, stack.tap.requests - before), proc.seconds)
        stack.reset_store()
    return _calibrations[key]


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(20)):
        rng = ctx.rng(NAME, seed)
        crms, bulk, backend, hs_search = variant(index, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(100, 180), crms=crms, backend=backend,
                         bulk_threshold=BULK_THRESHOLD if bulk else 50_000, page_size=SLICED_PAGE)  # fmt: skip
        path = "bulk" if bulk else ("rest, sliced" if "salesforce" in crms else "rest")
        path += ", hubspot by search" if hs_search else ""
        label = f"seed {seed} {'+'.join(crms)} {path} {backend}"
        with ctx.stack(NAME, f"{seed}", spec) as stack:
            if hs_search:
                stack.sandbox.add_fault(crm="hubspot", kind="slow", ms=HS_SLOW_MS)
            stack.migrate()
            calibration = calibrate(stack, row, (crms, bulk, hs_search))
            kills = [kill_plan(rng, calibration, early=ctx.break_mode == "checkpoint")
                     for _ in range(rng.choice((1, 1, 2, 3)))]  # fmt: skip
            done = [_killed_run(stack, row, plan, label) for plan in kills]
            if ctx.break_mode == "checkpoint":
                break_checkpoint(stack)
            settle(stack, row, label, attempts=1)
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: kills {', '.join(done)}; expected {tally.expected}, missing {tally.missing}, "
                f"wrong {tally.wrong}, duplicated {tally.duplicated}")  # fmt: skip


def _killed_run(stack: Stack, row: Row, plan: KillPlan, label: str) -> str:
    """One sync with its kill armed; returns what happened."""
    if plan.mode == "timer":
        proc = stack.sync(kill_after=plan.delay)
    else:
        stack.tap.arm(Hook(plan.at, stack.kill, phase="arrive" if plan.mode == "arrive" else "respond"))
        proc = stack.sync()
        stack.tap.disarm()
    row.runs += 1
    clean_exit(row, proc, label)
    return f"{plan.describe()}: {'killed' if proc.killed else f'ran to the end (exit {proc.rc})'}"
