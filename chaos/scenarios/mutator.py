"""The sandbox's mutator edits, creates, deletes and merges records while five incremental syncs run; once it
stops, one more incremental sync must leave the store equal to the source."""

from __future__ import annotations

from typing import Final

from chaos.checks import COMPLETE, clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "mutator"
RUNS: Final = 5


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(2)):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), lookback_minutes=rng.choice((0, 1, 10)),
                         backend="postgresql" if index % 2 else "sqlite")  # fmt: skip
        label = f"seed {seed} {spec.backend} lookback {spec.lookback_minutes} min"
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            settle(stack, row, f"{label} (first sync)")
            mutator = stack.sandbox.mutator
            rate = rng.uniform(8.0, 20.0)
            mutator.start(rate=rate, seed=seed)
            statuses = []
            try:
                for n in range(RUNS):
                    proc = stack.sync()
                    row.runs += 1
                    clean_exit(row, proc, f"{label} run {n + 1}")
                    status = stack.runs()[-1]["status"]
                    statuses.append(str(status))
                    row.check(
                        proc.rc == 0 and status in COMPLETE,
                        f"{label}: incremental run {n + 1} under mutation ended {status}: {proc.last_line()}",
                    )
            finally:
                mutator.stop()
            done = mutator.status(last=0)
            settle(stack, row, f"{label} (after the mutator stopped)")
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(
            f"   {label}: {done['done']} change(s) at {rate:.0f}/s ({done['errors']} refused) during runs "
            f"{', '.join(statuses)}; expected {tally.expected}, missing {tally.missing}, wrong {tally.wrong}"
        )
