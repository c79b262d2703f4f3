"""API quota budget: a job given a small share of the org's daily quota stops before it passes its share, says
so (calls used and allowed), keeps what it stored, and completes once its share allows."""

from __future__ import annotations

import math
import re
from typing import Final

from chaos.checks import clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "budget"
DAILY: Final = 4_000  # the org's daily quota in this scenario
SAYS_SO: Final = re.compile(r"budget reached: (\d+) calls used of (\d+) allowed")


def _api_calls(stack: Stack, crm: str, since: int) -> int:
    """The CRM's API requests so far (OAuth token calls are not API calls), less `since`."""
    routes = stack.sandbox.stats()["routes"].get(crm, {})
    return sum(int(r["count"]) for name, r in routes.items() if "oauth2" not in name) - since


def _fresh_quota(stack: Stack, crm: str) -> None:
    """The org's day starts again: nothing used of a daily quota of DAILY calls."""
    if crm == "salesforce":
        stack.sandbox.admin("set_quota", "salesforce", used=0, max=DAILY)
    else:
        stack.sandbox.admin("set_limits", "hubspot", daily=DAILY)
        stack.sandbox.admin("set_daily", "hubspot", remaining=DAILY)


def _calls_needed(stack: Stack, row: Row, crm: str) -> int:
    """A clean sync's API calls on this stack (then the store is emptied again)."""
    before = _api_calls(stack, crm, 0)
    proc = stack.sync()
    row.runs += 1
    clean_exit(row, proc, "calibration")
    needed = _api_calls(stack, crm, before)
    stack.reset_store()
    return needed


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(4)):
        rng = ctx.rng(NAME, seed)
        crm = ("salesforce", "hubspot")[index % 2]
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), crms=(crm,))
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            _fresh_quota(stack, crm)
            needed = _calls_needed(stack, row, crm)
            allowed = rng.randint(max(2, needed // 4), max(3, needed * 2 // 3))  # the run needs more than this
            label = f"seed {seed} {crm} (allowed {allowed} of {DAILY}; a full run needs {needed})"
            share = allowed / DAILY
            stack.rewrite_config(api_budget_share=share)
            _fresh_quota(stack, crm)
            before = _api_calls(stack, crm, 0)
            proc = stack.sync()
            row.runs += 1
            clean_exit(row, proc, label)
            used = _api_calls(stack, crm, before)
            job_allows = math.floor(DAILY * share)  # the job floors its share of the quota the same way
            _check_stop(stack, row, label, used, job_allows)
            stack.rewrite_config(api_budget_share=0.5)
            settle(stack, row, f"{label} (share raised)")
            tally = verify_store(stack, row, label)
        row.seeds += 1
        ctx.say(f"   {label}: the run used {used} call(s); then missing {tally.missing}, wrong {tally.wrong}")


def _check_stop(stack: Stack, row: Row, label: str, used: int, allowed: int) -> None:
    run = stack.runs()[-1]
    message = str(run.get("message") or "")
    row.check(run["status"] == "stopped_for_budget", f"{label}: the run ended {run['status']}, not stopped_for_budget")
    said = SAYS_SO.search(message)
    if row.check(said is not None, f"{label}: the stop does not say calls used and allowed: {message[:120]!r}"):
        assert said is not None
        row.check(int(said.group(2)) == allowed, f"{label}: the run says {said.group(2)} allowed, not {allowed}")
    row.check(used <= allowed, f"{label}: the CRM saw {used} API calls, more than the {allowed} allowed")
