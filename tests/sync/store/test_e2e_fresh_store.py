"""`accountsync run` on a fresh store (an empty database) migrates it first and says so; the next run does not."""

from __future__ import annotations

import os
import subprocess
import sys

from sync import build_engine
from sync.store.migrate import current_revision, head_revision
from tests.sync.conftest_writeback import JOB, REPO


def test_a_run_on_a_fresh_store_migrates_it_and_says_so(make_wb, database_url, tmp_path) -> None:
    wb = make_wb(f"sqlite:///{tmp_path}/wb.db", accounts=20)
    env = {**os.environ, **wb.cli_env(), "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "accountsync", "run", JOB, "-c", str(wb.config)]
    first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"was empty: migrated it to revision {head_revision()}" in first.stderr
    engine = build_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "was empty" not in again.stderr
