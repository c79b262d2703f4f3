"""PostgreSQL connections terminated mid-run (`pg_terminate_backend` on every connection the run holds, found
by its application_name), at seeded moments. The run must fail cleanly (a message and an exit code, its run
row closed, no traceback) or carry on; the next run completes with nothing lost."""

from __future__ import annotations

import threading
from typing import Final

from chaos.checks import COMPLETE, clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import Stack, StackSpec
from chaos.suite import Context
from chaos.tap import Hook

__all__ = ["run"]

NAME: Final = "pg-terminate"
CRM_SETS: Final = (("salesforce", "hubspot"), ("hubspot",), ("salesforce",))


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(4)):
        rng = ctx.rng(NAME, seed)
        crms = CRM_SETS[index % len(CRM_SETS)]
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), crms=crms, backend="postgresql")
        label = f"seed {seed} {'+'.join(crms)}"
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            terminated: list[int] = []

            def terminate(stack: Stack = stack, out: list[int] = terminated) -> None:
                out.append(stack.terminate_store_connections())

            moments = sorted(rng.sample(range(2, 40), rng.randint(1, 3)))
            for at in moments:
                stack.tap.arm(Hook(at, terminate, phase=rng.choice(("arrive", "respond"))))
            timer = threading.Timer(rng.uniform(0.8, 3.0), terminate)
            timer.start()
            proc = stack.sync()
            timer.cancel()
            stack.tap.disarm()
            row.runs += 1
            clean_exit(row, proc, label)
            first = stack.runs()[0] if stack.runs() else {}
            status = first.get("status")
            row.check(status != "running", f"{label}: the run row was left `running` after the process ended")
            row.check((proc.rc == 0) == (status in COMPLETE),
                      f"{label}: exit {proc.rc} but run {status}")  # fmt: skip
            settle(stack, row, label)
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: terminated {sum(terminated)} connection(s) at {len(terminated)} moment(s); run {status} "
                f"(exit {proc.rc}{', ' + proc.last_line()[:80] if proc.rc else ''}); then missing {tally.missing}, "
                f"wrong {tally.wrong}")  # fmt: skip
