"""Storms while the whole job runs (`accountsync run`: pull, score, write back): 429s of each HubSpot policy,
the daily limits of both CRMs, 503s, sessions expiring mid-run, slow answers, dropped connections.

Each storm run must complete, or stop with its reason (a message, an exit code, never a traceback); once the
storm is over a rerun completes, the store equals the source, and no value was written twice. The daily
limit must stop the run without sleeping on it, and the run after the quota returns completes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from chaos.checks import COMPLETE, STOPPED, clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import JOB, Stack, StackSpec
from chaos.suite import Context, Scenario
from chaos.tap import Hook, WriteEvent

__all__ = ["STORMS", "Storm", "repeated_writes", "scenarios"]

Rules = Callable[[random.Random], list[dict[str, Any]]]
DAILY_STOP_SECONDS: Final = 90.0  # a daily stop must not wait for the quota (a retry storm would take minutes)


@dataclass(frozen=True)
class Storm:
    """One storm: its fault rules (seeded), what else happens mid-run, and what the run must do."""

    name: str
    summary: str
    rules: Rules
    crms: tuple[str, ...] = ("salesforce", "hubspot")
    setup: Callable[[Stack, random.Random], None] | None = None
    restore: Callable[[Stack], None] | None = None
    must_stop: bool = False
    warm: bool = False  # a clean first sync, then changes: the storm hits an incremental run (HubSpot search)
    seeds: int = 2
    evidence: tuple[str, ...] = field(default=())  # HTTP statuses that show the storm happened (besides faults)


def _each(kind: str, crms: tuple[str, ...], **rule: Any) -> Rules:
    return lambda rng: [{"crm": crm, "kind": kind, **rule} for crm in crms]


def _ten_secondly(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "crm": "hubspot",
            "kind": "rate_limit",
            "policy": "TEN_SECONDLY_ROLLING",
            "probability": round(rng.uniform(0.2, 0.35), 2),
            "count": rng.randint(3, 6),
            "after": rng.randint(0, 6),
        }
    ]


def _secondly(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "crm": "hubspot",
            "kind": "rate_limit",
            "policy": "SECONDLY",
            "path": r"/search$",
            "regex": True,
            "probability": round(rng.uniform(0.3, 0.5), 2),
            "count": rng.randint(4, 7),
        }
    ]


def _unavailable(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "crm": crm,
            "kind": "server_unavailable",
            "probability": round(rng.uniform(0.15, 0.25), 2),
            "count": rng.randint(4, 8),
            "after": rng.randint(0, 10),
        }
        for crm in ("salesforce", "hubspot")
    ]


def _slow(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"crm": crm, "kind": "slow", "ms": rng.randint(400, 1500), "probability": 0.2, "count": rng.randint(6, 12)}
        for crm in ("salesforce", "hubspot")
    ]


def _dropped(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "crm": crm,
            "kind": "drop",
            "probability": round(rng.uniform(0.08, 0.15), 2),
            "count": rng.randint(3, 6),
            "after": rng.randint(2, 12),
        }
        for crm in ("salesforce", "hubspot")
    ]


def _hubspot_session(rng: random.Random) -> list[dict[str, Any]]:
    return [{"crm": "hubspot", "kind": "session_expiry", "count": 1, "after": rng.randint(3, 15)}]


def _expire_salesforce_sessions(stack: Stack, rng: random.Random) -> None:
    """The org expires every session twice mid-run (a real expiry, not a faked 401)."""
    sb = stack.sandbox

    def expire() -> None:
        sb.admin("expire_sessions", "salesforce")

    first = rng.randint(3, 15)
    for at in (first, first + rng.randint(5, 20)):
        stack.tap.arm(Hook(at, expire, matches=lambda crm, method, path: crm == "salesforce"))


def _hubspot_daily_runs_out(stack: Stack, rng: random.Random) -> None:
    """HubSpot's daily quota runs out a few calls into the run (the account's own limiter answers 429 DAILY)."""
    stack.sandbox.admin("set_daily", "hubspot", remaining=rng.randint(6, 16))


def _salesforce_quota_runs_out(stack: Stack, rng: random.Random) -> None:
    """The org's daily API requests run out a few calls into the run (403 REQUEST_LIMIT_EXCEEDED TotalRequests)."""
    quota = stack.sandbox.admin("set_quota", "salesforce")
    stack.sandbox.admin("set_quota", "salesforce", used=int(quota["max"]) - rng.randint(8, 26))


def _quota_returns(stack: Stack) -> None:
    sb = stack.sandbox
    if "hubspot" in stack.spec.crms:
        sb.admin("set_daily", "hubspot", remaining=1_000_000)
    if "salesforce" in stack.spec.crms:
        sb.admin("set_quota", "salesforce", used=0)


STORMS: Final = (
    Storm("429-ten-secondly", "HubSpot 429 TEN_SECONDLY_ROLLING bursts", _ten_secondly, crms=("hubspot",)),
    Storm("429-secondly", "HubSpot search 429 SECONDLY bursts (an incremental run)", _secondly, crms=("hubspot",),
          warm=True),
    Storm("429-daily", "HubSpot's daily quota runs out mid-run (429 DAILY), then returns", lambda rng: [],
          crms=("hubspot",), setup=_hubspot_daily_runs_out, restore=_quota_returns, must_stop=True,
          evidence=("429",)),
    Storm("sf-daily-quota", "Salesforce's daily requests run out mid-run (TotalRequests), then return",
          lambda rng: [], crms=("salesforce",), setup=_salesforce_quota_runs_out, restore=_quota_returns,
          must_stop=True, evidence=("403",)),
    Storm("503-storm", "503 bursts from both CRMs", _unavailable),
    Storm("401-expiry", "Salesforce sessions expire twice mid-run; a HubSpot 401", _hubspot_session,
          setup=_expire_salesforce_sessions, evidence=("401",)),
    Storm("slow", "slow answers (0.4-1.5 s) from both CRMs", _slow),
    Storm("dropped", "connections dropped without an answer", _dropped),
)  # fmt: skip


def repeated_writes(writes: list[WriteEvent]) -> int:
    """Accepted writes of a value a record's field had already been sent and accepted with."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for event in writes:
        if event.ok:
            for name, value in event.values.items():
                seen[(event.crm, event.record_id, name, repr(value))] += 1
    return sum(n - 1 for n in seen.values() if n > 1)


def _evidence(stack: Stack, storm: Storm) -> int:
    stats = stack.sandbox.stats()
    fired = sum(int(rule["fired"]) for rule in stats["fault_rules"])
    statuses = stats.get("statuses") or {}
    return fired + sum(int(n) for by in statuses.values() for code, n in by.items() if code in storm.evidence)


def storm_run(storm: Storm) -> Callable[[Context, Row], None]:
    def run(ctx: Context, row: Row) -> None:
        for seed in ctx.seeds(storm.seeds):
            rng = ctx.rng(storm.name, seed)
            spec = StackSpec(seed=seed, accounts=rng.randint(120, 180), crms=storm.crms, writeback=True,
                             fault_seed=seed)  # fmt: skip
            with ctx.stack(storm.name, str(seed), spec) as stack:
                _one(ctx, row, storm, stack, rng, f"seed {seed}")
            row.seeds += 1

    return run


def _one(ctx: Context, row: Row, storm: Storm, stack: Stack, rng: random.Random, label: str) -> None:
    stack.migrate()
    if storm.warm:
        settle(stack, row, f"{label} (first sync)")
        stack.sandbox.mutator.reseed(rng.randint(0, 2**31), tuple(storm.crms))  # type: ignore[arg-type]
        stack.sandbox.mutator.step(rng.randint(20, 40))
    for rule in storm.rules(rng):
        stack.sandbox.add_fault(**rule)
    if storm.setup is not None:
        storm.setup(stack, rng)
    proc = stack.cli("run", JOB)
    row.runs += 1
    clean_exit(row, proc, label)
    runs = stack.runs()
    pulled = next((r for r in runs if r["kind"] in ("job", "full", "sync")), {})  # `run`: the whole job
    status, message = pulled.get("status"), pulled.get("message")
    evidence = _evidence(stack, storm)
    row.check(evidence > 0, f"{label}: the storm never reached the job (no fault fired)")
    if storm.must_stop:
        row.check(status == "stopped_for_budget", f"{label}: the daily limit did not stop the run (run {status})")
        row.check(proc.seconds < DAILY_STOP_SECONDS, f"{label}: the daily stop took {proc.seconds:.0f} s")
    else:
        row.check(status in COMPLETE or (status in STOPPED and bool(message)),
                  f"{label}: the storm run ended {status} without a reason")  # fmt: skip
    row.check(status in COMPLETE or proc.rc != 0, f"{label}: run {status} but exit code 0")
    stack.sandbox.faults.clear()
    stack.tap.disarm()
    if storm.restore is not None:
        storm.restore(stack)
    again = stack.cli("run", JOB)
    row.runs += 1
    clean_exit(row, again, f"{label} (after the storm)")
    final = stack.runs()[-1]
    row.check(again.rc == 0, f"{label}: the run after the storm failed (exit {again.rc}, {final.get('kind')} "
                             f"{final.get('status')}): {again.last_line()}")  # fmt: skip
    settle(stack, row, f"{label} (pull of our own writes)")  # write-back moved modstamps: pull them too
    tally = verify_store(stack, row, label)
    repeats = repeated_writes(stack.tap.writes)
    row.duplicate_writes += repeats
    row.check(repeats == 0, f"{label}: {repeats} value(s) written twice")
    ctx.say(f"   {storm.name} {label}: storm run {status} in {proc.seconds:.1f} s ({evidence} fault(s) hit)"
            f"{': ' + str(message)[:90] if message else ''}; after: exit {again.rc}; missing {tally.missing}, "
            f"wrong {tally.wrong}")  # fmt: skip


def scenarios() -> list[Scenario]:
    return [Scenario(s.name, s.seeds, storm_run(s), s.summary, group="storms") for s in STORMS]
