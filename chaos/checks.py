"""Checks shared by the scenarios: a run ended cleanly, a rerun completes, the store equals the source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from chaos.report import Row
from chaos.stack import Proc, Stack
from chaos.truth import Tally, compare, source_records, stored_records

__all__ = ["COMPLETE", "STOPPED", "clean_exit", "last_run", "settle", "verify_store"]

COMPLETE: Final = frozenset({"succeeded", "partial"})
STOPPED: Final = frozenset({"failed", "stopped_for_budget"})


def clean_exit(row: Row, proc: Proc, label: str) -> bool:
    """A process that was not killed ended with an exit code and a message, never a traceback."""
    if proc.killed:
        return True
    ok = row.check(not proc.traceback, f"{label}: `accountsync {proc.args[0]}` crashed with a traceback: "
                                       f"{proc.last_line()}")  # fmt: skip
    return row.check(proc.rc is not None and proc.rc >= 0, f"{label}: no exit code") and ok


def last_run(stack: Stack) -> dict[str, object]:
    runs = stack.runs()
    return runs[-1] if runs else {}


def settle(stack: Stack, row: Row, label: str, *, attempts: int = 1) -> bool:
    """Rerun the sync to completion: it must end succeeded or partial, exit 0, without a traceback."""
    for attempt in range(attempts):
        proc = stack.sync()
        row.runs += 1
        clean_exit(row, proc, label)
        status = last_run(stack).get("status")
        if proc.rc == 0 and status in COMPLETE:
            return True
        if attempt == attempts - 1:
            row.fail(f"{label}: the rerun did not complete (exit {proc.rc}, run {status}): {proc.last_line()}")
    return False


def verify_store(
    stack: Stack, row: Row, label: str, *, skip: Mapping[tuple[str, str], set[str]] | None = None
) -> Tally:
    """Store against source for the stack's CRMs; the counts go into the row, the first problems into its notes."""
    source = source_records(stack.sandbox, stack.spec.crms)
    stored, dupes = stored_records(stack.engine(), stack.spec.crms)
    tally = compare(source, stored, skip=skip).add(dupes)
    tally.examples = [f"{label}: {e}" for e in tally.examples]
    row.tally.add(tally)
    return tally
