"""`accountsync enrich`: a summary table per source, a dry run that writes nothing, a run row of kind enrich."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlmodel import col, select

from sync import SyncRun, Usage, session

from .conftest import World, sf_id


def enrich(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": world.engine.url.render_as_string(hide_password=False), "COLUMNS": "200"}
    command = [
        sys.executable,
        "-m",
        "accountsync",
        "enrich",
        "nightly",
        "--config",
        str(world.folder / "accountsync.yaml"),
    ]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)


def test_enrich_command_prints_counts_and_reasons_and_dry_run_writes_nothing(world: World) -> None:
    world.write("usage.csv", f"account_key,month,active_users,licensed_seats\nsf:{sf_id(0)},2025-09,5,10\n"
                             f"sf:{sf_id(1)},2025-09,-1,10\nsf:gone,2025-09,1,1\n")  # fmt: skip
    world.deployment(usage={"kind": "usage", "file": "usage.csv", "match_by": "account_key"})
    dry = enrich(world, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing written" in dry.stdout
    assert "usage: 1 x active_users is negative" in dry.stdout
    assert "data row 2 (spreadsheet row 3): active_users is negative ('-1')" in dry.stdout
    with session(world.engine) as s:
        assert s.exec(select(Usage)).all() == []
    done = enrich(world)
    assert done.returncode == 0, done.stderr
    assert "partial" in done.stdout
    assert re.search(r"^ usage +loaded +3 +1 +1 +1 +1 +0 *$", done.stdout, re.M), done.stdout  # read .. unchanged
    with session(world.engine) as s:
        runs = s.exec(select(SyncRun).where(SyncRun.kind == "enrich").order_by(col(SyncRun.id))).all()
        assert [(r.status, (r.params or {}).get("dry_run")) for r in runs] == [("partial", True), ("partial", False)]
        assert len(s.exec(select(Usage)).all()) == 1


def test_enrich_command_fails_when_every_source_fails(world: World) -> None:
    world.deployment(usage={"kind": "usage", "file": "missing.csv", "match_by": "account_key"})
    done = enrich(world)
    assert done.returncode == 1
    assert "missing.csv: no such file" in done.stdout
