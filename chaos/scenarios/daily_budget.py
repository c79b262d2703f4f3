"""A job's budget share is per day, not per run: after a first run spent N calls, a second run the same day
may spend only what is left of the day's share; the CRM's request log shows it made no more than that."""

from __future__ import annotations

import re
from typing import Final

from chaos.checks import clean_exit, last_run, settle, verify_store
from chaos.report import Row
from chaos.scenarios.budget import _api_calls, _fresh_quota
from chaos.stack import Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "daily-budget"
SHARE: Final = 0.1
SAYS_SO: Final = re.compile(r"budget reached: (\d+) calls used of (\d+) allowed")


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(2)):
        rng = ctx.rng(NAME, seed)
        crm = ("salesforce", "hubspot")[index % 2]
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), crms=(crm,), budget_share=SHARE)
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            _fresh_quota(stack, crm)  # 4,000 a day: a share of 400, more than a run needs
            before = _api_calls(stack, crm, 0)
            first = stack.sync()
            row.runs += 1
            clean_exit(row, first, f"seed {seed} first run")
            spent = _api_calls(stack, crm, before)
            left = rng.randint(1, 3)
            label = f"seed {seed} {crm} (first run {spent} calls; {left} left of the day's share)"
            _set_daily(stack, crm, (spent + left) * 10)
            before = _api_calls(stack, crm, 0)
            second = stack.sync()
            row.runs += 1
            clean_exit(row, second, label)
            used = _api_calls(stack, crm, before)
            run = last_run(stack)
            row.check(run.get("status") == "stopped_for_budget", f"{label}: the second run ended {run.get('status')}")
            row.check(used <= left, f"{label}: the second run made {used} calls, more than the {left} left today")
            said = SAYS_SO.search(str(run.get("message") or ""))
            row.check(said is not None and int(said.group(1)) <= spent + left,
                      f"{label}: the stop does not count the day's calls: {run.get('message')!r}")  # fmt: skip
            _fresh_quota(stack, crm)
            stack.rewrite_config(api_budget_share=1.0)
            settle(stack, row, f"{label} (share raised)")
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: the second run made {used} call(s); then missing {tally.missing}")


def _set_daily(stack: Stack, crm: str, daily: int) -> None:
    """The org's daily quota is now `daily` (nothing of it used by others)."""
    sandbox = stack.sandbox
    if crm == "salesforce":
        sandbox.admin("set_quota", "salesforce", used=0, max=daily)
    else:
        sandbox.admin("set_limits", "hubspot", daily=daily)
        sandbox.admin("set_daily", "hubspot", remaining=daily)
