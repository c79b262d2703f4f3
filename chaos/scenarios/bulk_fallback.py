"""Bulk down: every Bulk 2.0 query job creation answers 503 for the whole run; the pull reads through REST
instead of failing, and the store equals the CRM."""

from __future__ import annotations

from typing import Final

from chaos.checks import COMPLETE, clean_exit, last_run, verify_store
from chaos.report import Row
from chaos.stack import StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "bulk-5xx"


def run(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(2):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(120, 200), crms=("salesforce",), bulk_threshold=10)
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            stack.sandbox.add_fault(crm="salesforce", kind="status", code=503, method="POST", path=r"/jobs/query$",
                                    regex=True)  # fmt: skip
            proc = stack.sync()
            row.runs += 1
            label = f"seed {seed}"
            clean_exit(row, proc, label)
            status = last_run(stack).get("status")
            ended = f"{label}: Bulk refused with 503 and the run ended {status} (exit {proc.rc}): {proc.last_line()}"
            row.check(proc.rc == 0 and status in COMPLETE, ended)
            refused = stack.sandbox.stats()["statuses"].get("salesforce", {}).get("503", 0)
            row.check(refused > 0, f"{label}: no Bulk job creation was refused: the scenario did not bite")
            stack.sandbox.faults.clear()
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: {refused} refused Bulk job creation(s); missing {tally.missing}, wrong {tally.wrong}")
