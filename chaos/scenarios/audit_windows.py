"""The audit repairs by windows: records lost from the store behind the product's back (rows deleted by hand)
are found by the next run's audit and restored by reading again only the windows whose counts differ, not
the whole stream; the sandbox's request log counts what was served."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import text

from chaos.checks import clean_exit, last_run, verify_store
from chaos.report import Row
from chaos.stack import Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "audit-windows"
LOST: Final = {"salesforce": ("opportunity", "salesforce"), "hubspot": ("source_account", "hubspot")}
STREAM: Final = {"salesforce": "Opportunity", "hubspot": "companies"}


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(2)):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(1200, 1600), backend="postgresql" if index % 2 else "sqlite")
        label = f"seed {seed} {spec.backend}"
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            for _ in range(2):  # the second: what an incremental run with nothing to repair is served
                before = _served(stack)
                clean_exit(row, stack.sync(), label)
                row.runs += 1
            baseline = {crm: n - before.get(crm, 0) for crm, n in _served(stack).items()}
            live = _lose_rows(stack, rng.randint(1, 3))
            before = _served(stack)
            clean_exit(row, stack.sync(), label)
            row.runs += 1
            served = {crm: n - before.get(crm, 0) - baseline.get(crm, 0) for crm, n in _served(stack).items()}
            _check(stack, row, label, served, live)
            full = {}
            for crm, stream in STREAM.items():  # what the full re-read the repair replaced is served
                before = _served(stack)
                clean_exit(row, stack.sync("--full", "--object", stream), label)
                row.runs += 1
                full[crm] = _served(stack).get(crm, 0) - before.get(crm, 0)
            for crm, n in full.items():
                got = served.get(crm, 0)
                row.check(got < n, f"{label}: the {crm} repair was served {got} records, no fewer than a full "
                                   f"re-read of the stream ({n})")  # fmt: skip
            verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: the repair was served {served} record(s); a full re-read of each stream {full}")


def _served(stack: Stack) -> dict[str, int]:
    return {crm: int(n) for crm, n in stack.sandbox.stats()["records"].items()}


def _lose_rows(stack: Stack, per_stream: int) -> dict[str, int]:
    """Delete `per_stream` live rows of the audited streams from the store; returns each stream's live count."""
    live: dict[str, int] = {}
    with stack.engine().begin() as conn:
        for crm, (table, connection) in LOST.items():
            query = text(
                f"SELECT source_id FROM {table} WHERE connection = :c AND deleted_at IS NULL ORDER BY source_id"
            )
            ids = [r[0] for r in conn.execute(query, {"c": connection})]
            live[crm] = len(ids)
            for source_id in ids[len(ids) // 3 :: max(1, len(ids) // (per_stream + 1))][:per_stream]:
                conn.execute(text(f"DELETE FROM {table} WHERE connection = :c AND source_id = :s"),
                             {"c": connection, "s": source_id})  # fmt: skip
    return live


def _check(stack: Stack, row: Row, label: str, served: dict[str, int], live: dict[str, int]) -> None:
    """Both streams repaired by windows, which hold less than the whole stream."""
    counts: Any = last_run(stack).get("counts") or {}
    audits = (counts.get("extra") or {}).get("audits") or []
    repaired = {a.get("connection"): a for a in audits if a.get("repaired_from")}
    row.check(set(repaired) == set(LOST), f"{label}: the audit repaired {sorted(repaired)}, not both lost streams")
    for crm, total in live.items():
        audit = repaired.get(crm) or {}
        if not row.check(audit.get("repair") == "windows", f"{label}: {crm} repaired by {audit.get('repair')!r}"):
            continue
        held = sum(int(w["crm"]) for w in audit.get("windows") or [])
        row.check(held < total, f"{label}: the {crm} windows hold {held} records of {total}: the whole stream")
