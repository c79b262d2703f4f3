"""An enrichment run: bad and unmatched rows reported with their row numbers, the rest loaded, reloads idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from sync import JobLocked, SyncRun, Usage, run_enrichment, session
from sync.runs import locks

from .conftest import NOW, World, sf_id

HEADER = "account_key,month,active_users,licensed_seats\n"


def usage_source(**extra: Any) -> dict[str, Any]:
    return {"kind": "usage", "file": "usage.csv", "match_by": "account_key", **extra}


def stored(engine: Any) -> list[tuple[str, date, int | None, int | None, str | None]]:
    with session(engine) as s:
        rows = s.exec(select(Usage)).all()
    return sorted((r.account_key, r.month, r.active_users, r.licensed_seats, r.origin) for r in rows)


def test_bad_and_unmatched_rows_are_reported_with_their_row_and_the_rest_is_loaded(world: World) -> None:
    a0, a1 = f"sf:{sf_id(0)}", f"sf:{sf_id(1)}"
    world.write("usage.csv", HEADER + "\n".join([
        f"{a0},2026-09,5,10",        # data row 1 (spreadsheet row 2): loaded
        f"{a0},2026-08,4,-3",        # 2: negative seats
        f"{a1},March 2026,4,10",     # 3: unparseable month
        f"{a1},2026-09,lots,10",     # 4: text in a number column
        f"{a1},2026-08,7,",          # 5: active users with no seats: loaded
        "sf:nope,2026-09,1,1",       # 6: no such account
        f"{a1},2026-11,1,1",         # 7: a month after the run's month (October 2026)
        f"{a1},2026-07,2.5,",        # 8: not a whole number
        f"{a1},2026-06,,",           # 9: no values at all
    ]) + "\n")  # fmt: skip
    summary = run_enrichment(world.deployment(usage=usage_source()), "nightly", engine=world.engine, now=NOW)
    (usage,) = summary.sources
    assert summary.status == "partial"
    assert (usage.read, usage.matched, usage.unmatched, usage.rejected, usage.written) == (9, 2, 1, 6, 2)
    assert usage.reasons == {
        "licensed_seats is negative": 1, "month is not a month (YYYY-MM) or a date": 1,
        "active_users is not a number": 1, "no such account": 1, "month is in the future": 1,
        "active_users is not a whole number": 1, "no active_users or licensed_seats": 1,
    }  # fmt: skip
    assert stored(world.engine) == [(a0, date(2026, 9, 1), 5, 10, "usage"), (a1, date(2026, 8, 1), 7, None, "usage")]
    found = {e["row"]: e for e in summary.errors}
    assert sorted(found) == [2, 3, 4, 6, 7, 8, 9]
    assert found[2]["sheet_row"] == 3
    assert found[2]["kind"] == "rejected"
    assert found[2]["message"].endswith("usage.csv: data row 2 (spreadsheet row 3): licensed_seats is negative ('-3')")
    assert found[4]["message"].endswith("active_users is not a number ('lots')")
    assert found[6]["kind"] == "unmatched"
    assert found[6]["message"].endswith("no account with key sf:nope")
    with session(world.engine) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert (run.kind, run.status) == ("enrich", "partial")
    assert [e["row"] for e in run.errors or []] == [2, 3, 4, 6, 7, 8, 9]
    assert (run.counts or {})["extra"]["sources"][0]["rejected"] == 6


def test_reloading_the_same_file_changes_nothing(world: World) -> None:
    rows = [f"sf:{sf_id(i)},2026-0{m},{i + m},20" for i in range(5) for m in range(1, 10)]
    world.write("usage.csv", HEADER + "\n".join(rows) + "\n")
    deployment = world.deployment(usage=usage_source())
    first = run_enrichment(deployment, "nightly", engine=world.engine, now=NOW, batch_rows=7)
    before = stored(world.engine)
    second = run_enrichment(deployment, "nightly", engine=world.engine, now=NOW, batch_rows=7)
    assert (first.sources[0].written, first.sources[0].unchanged) == (45, 0)
    assert (second.sources[0].written, second.sources[0].unchanged) == (45 - 45, 45)
    assert second.status == "succeeded"
    assert stored(world.engine) == before
    world.write("usage.csv", HEADER + "\n".join([*rows[:-1], f"sf:{sf_id(4)},2026-09,99,20"]) + "\n")
    third = run_enrichment(deployment, "nightly", engine=world.engine, now=NOW, batch_rows=7)
    assert (third.sources[0].written, third.sources[0].unchanged) == (1, 44)


def test_a_repeated_account_and_month_is_refused_with_the_earlier_row_even_across_batches(world: World) -> None:
    a0 = f"sf:{sf_id(0)}"
    world.write("usage.csv", HEADER + f"{a0},2026-09,5,10\n{a0},2026-08,1,1\n{a0},2026-09-15,6,10\n")
    summary = run_enrichment(world.deployment(usage=usage_source()), "nightly", engine=world.engine, now=NOW,
                             batch_rows=2)  # fmt: skip
    (usage,) = summary.sources
    assert (usage.matched, usage.rejected) == (2, 1)
    assert summary.errors[0]["row"] == 3
    assert summary.errors[0]["message"].endswith("the same account and month as data row 1")
    assert stored(world.engine)[1][2:4] == (5, 10)  # the first row wins


def test_a_dry_run_checks_and_matches_but_writes_nothing(world: World) -> None:
    world.write("usage.csv", HEADER + f"sf:{sf_id(0)},2026-09,5,10\nsf:none,2026-09,1,1\n")
    summary = run_enrichment(world.deployment(usage=usage_source()), "nightly", engine=world.engine, now=NOW,
                             dry_run=True)  # fmt: skip
    (usage,) = summary.sources
    assert (usage.status, usage.matched, usage.unmatched, usage.written) == ("checked", 1, 1, None)
    assert stored(world.engine) == []
    with session(world.engine) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert (run.kind, run.params) == ("enrich", {"dry_run": True, "sources": ["usage"]})


def test_a_job_without_enrichment_sources_succeeds_with_nothing_to_do(world: World) -> None:
    summary = run_enrichment(world.deployment(), "nightly", engine=world.engine, now=NOW)
    assert (summary.status, summary.sources) == ("succeeded", ())
    assert summary.message == "job `nightly` lists no enrichment sources"


def test_an_enrichment_run_is_refused_while_another_run_of_the_job_holds_its_lock(world: World) -> None:
    world.write("usage.csv", HEADER + f"sf:{sf_id(0)},2026-09,5,10\n")
    deployment = world.deployment(usage=usage_source())
    locks.acquire(world.engine, job="nightly", run_id=999_999)
    with pytest.raises(JobLocked):
        run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    with session(world.engine) as s:
        run = s.exec(select(SyncRun).where(SyncRun.kind == "enrich")).one()
    assert run.status == "cancelled"
    locks.release(world.engine, job="nightly", run_id=999_999)
    assert run_enrichment(deployment, "nightly", engine=world.engine, now=NOW).status == "succeeded"
