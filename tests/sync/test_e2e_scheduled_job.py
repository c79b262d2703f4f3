"""`accountsync serve` runs the whole job on its schedule: a scheduled run pulls, scores and writes back, and the
CRM fields (read back through the real SDKs) are the scores that run stored; after a rep's edit and a change in
the CRM, the next scheduled run follows the change and leaves the rep's field alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from sync import AccountScore, ScoringRun, SourceAccount, SyncRun, session
from tests.shown import written_score

from .conftest_writeback import HS_FIELDS, JOB, REPO, SF_FIELDS, WbEnv, crm_sdks, free_port, read_back

FINISHED = ("succeeded", "partial", "failed", "stopped_for_budget", "stopped", "cancelled")
EVERY_MINUTE = "* * * * *"
FIELDS = {"sf": SF_FIELDS, "hs": HS_FIELDS}


def _scheduled(wb: WbEnv) -> None:
    """The job fires every minute; an ICP rule gives fit to accounts in a country none is in yet."""
    text = wb.config.read_text().replace(f"  - name: {JOB}\n", f'  - name: {JOB}\n    schedule: "{EVERY_MINUTE}"\n')
    wb.config.write_text(text + "scoring:\n  icp:\n    - countries: [Atlantis]\n      points: 100\n")


def _next_scheduled_run(engine: Engine, proc: subprocess.Popen[bytes], log: Any, after: int) -> SyncRun:
    """The first scheduled run after run `after`, once it has finished (a cron minute is at most 60 s away)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited {proc.returncode}: {log.read_text()[-3000:]}"
        with session(engine) as s:
            stmt = select(SyncRun).where(SyncRun.job == JOB, SyncRun.trigger == "schedule", col(SyncRun.id) > after)
            run = s.exec(stmt.order_by(col(SyncRun.id)).limit(1)).first()
        if run is not None and run.status in FINISHED:
            return run
        time.sleep(1)
    raise AssertionError(f"no scheduled run finished within 240 s: {log.read_text()[-3000:]}")


def _stored(engine: Engine, run_id: int) -> dict[str, AccountScore]:
    """The scores the job run stored: account key -> its score row."""
    with session(engine) as s:
        scoring = s.exec(select(ScoringRun).where(ScoringRun.run_id == run_id)).one()
        rows = s.exec(select(AccountScore).where(AccountScore.scoring_run_id == scoring.id)).all()
    return {r.account_key: r for r in rows}


def _keys(engine: Engine) -> dict[tuple[str, str], str]:
    """(connection, CRM record id) -> account key, for every live record."""
    with session(engine) as s:
        rows = s.exec(select(SourceAccount).where(col(SourceAccount.deleted_at).is_(None))).all()
    return {(r.connection, r.source_id): r.account_key for r in rows if r.account_key}


def _one_decimal(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))


def _expected(row: AccountScore) -> dict[str, Any]:
    """What a rep must see for a stored score row, worked out here: the score cut and health rounded to one
    decimal, tier, rank, the reasons joined with '; '."""
    health = (row.figures or {}).get("health")
    return {"score": written_score(row.score or 0.0), "tier": row.tier, "rank": row.rank,
            "reasons": "; ".join(row.reasons or []),
            "health": None if health is None else _one_decimal(health)}  # fmt: skip


def _seen(value: Any, figure: str) -> Any:
    """A CRM value as a number, text or None (HubSpot returns every property as a string)."""
    if value in (None, ""):
        return None
    if figure in ("score", "health"):
        return float(value)
    if figure == "rank":
        return int(float(value))
    return str(value)


def _mismatches(crm: dict[str, dict[str, dict[str, Any]]], stored: dict[str, AccountScore],
                keys: dict[tuple[str, str], str], leave: set[tuple[str, str, str]]) -> list[str]:  # fmt: skip
    found = []
    for connection, records in crm.items():
        for record_id, values in records.items():
            key = keys.get((connection, record_id))
            if key is None or key not in stored:
                continue
            want = _expected(stored[key])
            for figure, name in FIELDS[connection].items():
                if (connection, record_id, figure) in leave:
                    continue
                if _seen(values.get(name), figure) != want[figure]:
                    found.append(f"{connection} {record_id} {name}: CRM {values.get(name)!r}, stored {want[figure]!r}")
    return found


def test_serve_runs_the_scheduled_job_end_to_end_and_follows_a_rep_edit_and_a_crm_change(make_wb, pg_url):
    # PostgreSQL, the production store, only: waiting for two cron minutes twice would cost the suite two more
    # minutes, and the queue's dialects are tested apart (tests/service/test_service_queue.py).
    wb = make_wb(pg_url, accounts=60)
    _scheduled(wb)
    log = wb.config.parent / "serve.log"
    command = [sys.executable, "-m", "accountsync", "serve", "-c", str(wb.config), "--port", str(free_port())]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **wb.cli_env()}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        first = _next_scheduled_run(wb.engine, proc, log, after=0)
        assert (first.kind, first.status) == ("job", "succeeded"), (first.status, first.message, first.steps)
        steps = {step["name"]: step["status"] for step in first.steps or []}
        assert steps == {"pull": "succeeded", "enrich": "skipped", "score": "succeeded", "writeback": "succeeded"}
        stored, keys = _stored(wb.engine, first.id or 0), _keys(wb.engine)
        with crm_sdks(wb) as (sf, hs):
            crm = read_back(sf, hs)
            assert len(crm["sf"]) + len(crm["hs"]) >= 60
            assert _mismatches(crm, stored, keys, set()) == []

            # A rep sets the (rep-owned) tier of one account; the CRM moves another account into the ICP country.
            in_hubspot = {key for (connection, _), key in keys.items() if connection == "hs"}
            sf_only = sorted(k for k in stored if k.startswith("sf:") and k not in in_hubspot)
            moved = sf_only[0].removeprefix("sf:")
            edited = min(rid for (c, rid) in keys if c == "sf" and rid != moved)
            sf.Account.update(edited, {SF_FIELDS["tier"]: "Z"})
            sf.Account.update(moved, {"BillingCountry": "Atlantis"})

            second = _next_scheduled_run(wb.engine, proc, log, after=first.id or 0)
            assert (second.kind, second.status) == ("job", "succeeded"), (second.message, second.steps)
            again = _stored(wb.engine, second.id or 0)
            assert (again[f"sf:{moved}"].score or 0) > (stored[f"sf:{moved}"].score or 0)  # fit 0 -> 100 points
            crm = read_back(sf, hs)
            leave = {("sf", edited, "tier")}
            assert _mismatches(crm, again, _keys(wb.engine), leave) == []
            assert crm["sf"][edited][SF_FIELDS["tier"]] == "Z"  # the rep's value stays
            assert _seen(crm["sf"][moved][SF_FIELDS["score"]], "score") == _expected(again[f"sf:{moved}"])["score"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
