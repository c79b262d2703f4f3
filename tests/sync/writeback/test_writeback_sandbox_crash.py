"""`kill -9` in the middle of a write-back, then a rerun: every record is written exactly once per change.

`accountsync writeback` runs as a child process; the sandbox's write tap counts the write calls of both CRMs
and SIGKILLs the child on a seeded call, either before the CRM applies that batch or after it has (the worst
case: the CRM has the values, the process never learns it). The rerun is `accountsync writeback` again.
"""

from __future__ import annotations

import math
import random
import signal

import pytest
from sqlmodel import col, select

from sync import SyncRun, session
from tests.sync.conftest_writeback import HS_FIELDS, SF_FIELDS, KillPlan, WbEnv, insert_scores, seeded_figures


def _run_cli(wb: WbEnv) -> None:
    rerun = wb.cli("writeback", "wb", "-c", str(wb.config))
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, (out.decode(), err.decode())


@pytest.mark.parametrize(
    ("backend", "seed", "after_apply"),
    [("sqlite", 23, True), ("postgresql", 20, False)],  # killed on call 3 (HubSpot) / 2 (Salesforce) of 5
)
def test_writeback_sigkill_mid_writeback_then_rerun_writes_each_change_exactly_once(
    request, make_wb, backend: str, seed: int, after_apply: bool
) -> None:
    wb = make_wb(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"), accounts=400)
    wb.pull()
    insert_scores(wb.engine, seeded_figures(wb.keys(), seed))
    records = {"salesforce": {r.source_id for r in wb.live("sf")}, "hubspot": {r.source_id for r in wb.live("hs")}}
    calls = math.ceil(len(records["salesforce"]) / 200) + math.ceil(len(records["hubspot"]) / 100)
    kill = KillPlan(random.Random(seed).randint(1, calls - 1), after_apply)
    wb.tap.kill = kill
    wb.sb.reset()
    kill.process = wb.cli("writeback", "wb", "-c", str(wb.config))
    kill.started.set()
    kill.process.communicate(timeout=120)
    assert kill.fired
    assert kill.process.returncode == -signal.SIGKILL
    assert wb.tap.calls == kill.at_call
    _run_cli(wb)
    with session(wb.engine) as s:
        rerun = s.exec(select(SyncRun).where(SyncRun.kind == "writeback").order_by(col(SyncRun.id).desc())).first()
    assert rerun is not None
    assert rerun.status == "succeeded"
    # the batch that landed unacknowledged is read back and committed, not resent; one that never landed is resent
    landed_unacknowledged = [w for w in wb.tap.sent() if w.call == kill.at_call]
    assert len(landed_unacknowledged) == (1 if after_apply else 0)
    recovered = sum(len(values) for w in landed_unacknowledged for values in w.values.values())
    assert (rerun.counts or {})["extra"]["recovered"] == recovered

    fields = {"salesforce": set(SF_FIELDS.values()), "hubspot": set(HS_FIELDS.values())}
    for crm in ("salesforce", "hubspot"):
        landed = wb.tap.landed(crm)
        assert set(landed) == {(rid, name) for rid in records[crm] for name in fields[crm]}
        assert set(landed.values()) == {1}, "a value was written twice"
    resent = 0 if after_apply else 1  # a batch killed before the CRM applied it is sent again, once
    assert wb.tap.calls == calls + resent
    assert wb.logged_writes() == calls + resent  # the request log agrees
    assert all(t["updates"] == [] for t in wb.writeback().targets)  # and a third run has nothing left to write
    assert wb.tap.calls == calls + resent
