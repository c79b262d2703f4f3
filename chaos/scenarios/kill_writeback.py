"""SIGKILL during write-back: on the k-th write call as it arrives (the CRM applies it, the client never hears)
or once answered (before the ledger commits it), or after a random delay; then reruns to completion. Every
changed value must reach the CRM exactly once (counted per record and field at the CRM; a planned value the CRM
already held before the write-back may go unsent), no succeeded batch may be resent, and a last run must send
nothing."""

from __future__ import annotations

import json
import random
from typing import Any, Final

from chaos.breakage import break_writeback_ledger
from chaos.checks import clean_exit, last_run
from chaos.report import Row
from chaos.stack import JOB, Stack, StackSpec
from chaos.suite import Context
from chaos.tap import Hook, Phase, is_write
from chaos.writes import check_writes, crm_values, planned_cells

__all__ = ["run"]

NAME: Final = "kill-writeback"
CRM_SETS: Final = (("salesforce", "hubspot"), ("hubspot",), ("salesforce",))
WRITE_PATHS: Final = {"salesforce": r"/composite/sobjects$", "hubspot": r"/batch/update$"}
SLOW_MS: Final = 250  # each write call takes this long, so a timed kill can land while one is in flight


def _writes_only(crm: str, method: str, path: str) -> bool:
    return is_write(crm, method, path)


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(10)):
        rng = ctx.rng(NAME, seed)
        crms = CRM_SETS[index % len(CRM_SETS)]
        spec = StackSpec(seed=seed, accounts=rng.randint(260, 340), crms=crms, writeback=True,
                         backend="postgresql" if index % 3 == 2 else "sqlite")  # fmt: skip
        label = f"seed {seed} {'+'.join(crms)} {spec.backend}"
        with ctx.stack(NAME, str(seed), spec) as stack:
            if not _prepare(stack, row, label):
                row.seeds += 1
                continue
            plan = _dry_run(stack, row, label)
            cells = planned_cells(plan)
            row.check(bool(cells), f"{label}: the dry run planned no value: nothing for the kills to test")
            before = crm_values(stack.sandbox, cells)
            calls = sum(int(t["write_calls"]) for t in plan.get("targets") or [])
            for crm in crms:
                stack.sandbox.add_fault(crm=crm, kind="slow", ms=SLOW_MS, path=WRITE_PATHS[crm], regex=True)
            stack.tap.writes.clear()
            story = [_killed_writeback(stack, row, rng, calls, label)
                     for _ in range(rng.choice((1, 2, 2, 3)))]  # fmt: skip
            if ctx.break_mode == "writeback":
                break_writeback_ledger(stack)
            _complete(stack, row, label)
            sent_before = len(stack.tap.writes)
            _complete(stack, row, f"{label} (nothing left)")
            row.check(len(stack.tap.writes) == sent_before,
                      f"{label}: a write-back with nothing changed sent {len(stack.tap.writes) - sent_before} "
                      "record write(s)")  # fmt: skip
            result = check_writes(cells, stack.tap.writes, crm_values(stack.sandbox, cells), before)
        result.tally.examples = [f"{label}: {e}" for e in result.tally.examples]
        row.tally.add(result.tally)
        row.duplicate_writes += result.duplicate_writes
        row.seeds += 1
        ctx.say(f"   {label}: {calls} write call(s) planned, {len(cells)} values; {'; '.join(story)}; "
                f"missing {result.tally.missing}, duplicate writes {result.duplicate_writes}, "
                f"wrong {result.tally.wrong}")  # fmt: skip


def _prepare(stack: Stack, row: Row, label: str) -> bool:
    """Scores to write: a job run (pull and score; scores are stored only by job runs) while the job has no
    write-back targets yet, then the targets added, as RevOps adds write-back to a job that already runs."""
    stack.migrate()
    targets = stack.config_data()["jobs"][0]["writeback"]
    stack.rewrite_config(writeback=[])
    proc = stack.cli("run", JOB)
    row.runs += 1
    clean_exit(row, proc, label)
    stack.rewrite_config(writeback=targets)
    return row.check(proc.rc == 0, f"{label}: `accountsync run` failed: {proc.last_line()}")


def _dry_run(stack: Stack, row: Row, label: str) -> dict[str, Any]:
    proc = stack.cli("writeback", JOB, "--dry-run", "--json")
    row.runs += 1
    clean_exit(row, proc, label)
    try:
        plan: dict[str, Any] = json.loads(proc.out)
    except json.JSONDecodeError:
        row.fail(f"{label}: the dry run did not print JSON: {proc.last_line()}")
        return {}
    return plan


def _killed_writeback(stack: Stack, row: Row, rng: random.Random, calls: int, label: str) -> str:
    draw = rng.random()
    if draw < 0.35:
        delay = round(rng.uniform(0.5, 2.0 + calls * SLOW_MS / 1000), 2)
        proc = stack.cli("writeback", JOB, kill_after=delay)
        what = f"after {delay} s"
    else:
        phase: Phase = "arrive" if draw < 0.7 else "respond"
        at = rng.randint(1, max(1, calls))
        stack.tap.arm(Hook(at, stack.kill, phase=phase, matches=_writes_only))
        proc = stack.cli("writeback", JOB)
        stack.tap.disarm()
        what = f"at write call {at} ({phase})"
    row.runs += 1
    clean_exit(row, proc, label)
    return f"{what}: {'killed' if proc.killed else f'ran to the end (exit {proc.rc})'}"


def _complete(stack: Stack, row: Row, label: str) -> None:
    proc = stack.cli("writeback", JOB)
    row.runs += 1
    clean_exit(row, proc, label)
    status = last_run(stack).get("status")
    row.check(proc.rc == 0 and status == "succeeded",
              f"{label}: the write-back rerun ended {status} (exit {proc.rc}): {proc.last_line()}")  # fmt: skip
