"""`accountsync kpis --cohort NAME`: a config cohort's KPIs as of each month end, from a store seeded by hand."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config import ConfigError, load_deployment
from sync import Account, Opportunity, session

from .conftest import ACCOUNTSYNC, DEPLOYMENT_YAML, write_config

COHORTS = DEPLOYMENT_YAML + "cohorts:\n  pilot: [sf:c1, sf:c2, sf:gone]\n"


def _won(key: str, account: str, amount: int, closes: date, created: date) -> Opportunity:
    return Opportunity(connection="sf", crm="salesforce", source_id=key, account_key=account, amount=Decimal(amount),
                       currency="USD", stage="Closed Won", is_closed=True, is_won=True, close_date=closes,
                       created_at=datetime(created.year, created.month, created.day, tzinfo=UTC), type="new_business",
                       term_months=12)  # fmt: skip


def seed(engine: Any) -> None:
    old = datetime(2024, 1, 1, tzinfo=UTC)
    with session(engine) as s, s.begin():
        for key in ("sf:c1", "sf:c2", "sf:x"):
            s.add(Account(key=key, name=key, industry="Software", created_at=old))
        s.add(_won("k2", "sf:c2", 6000, date(2026, 1, 10), date(2025, 12, 1)))
        s.add(_won("k1", "sf:c1", 12000, date(2026, 3, 15), date(2026, 2, 1)))
        s.add(_won("kx", "sf:x", 99000, date(2025, 6, 1), date(2025, 5, 1)))


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    return subprocess.run([ACCOUNTSYNC, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_kpis_of_the_pilot_cohort_as_of_each_month_end(lite_store, sqlite_url: str, tmp_path: Path) -> None:
    seed(lite_store)
    config = write_config(tmp_path, COHORTS)
    done = _cli("kpis", "--cohort", "pilot", "--as-of", "2026-04-30", "--months", "4", "--format", "json",
                "--config", str(config), url=sqlite_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    # By hand: c2 pays 6,000 a year from Jan 10, c1 12,000 from Mar 15 (its deal open at the end of February);
    # x's 99,000 is not in the cohort; sf:gone is not in the store (warned about, counted nowhere).
    shown = [(r["as_of"], r["accounts"], r["customers"], r["arr"], r["open_pipeline"]) for r in rows]
    assert shown == [("2026-01-31", 2, 1, 6000.0, 0.0), ("2026-02-28", 2, 1, 6000.0, 12000.0),
                     ("2026-03-31", 2, 2, 18000.0, 0.0), ("2026-04-30", 2, 2, 18000.0, 0.0)]  # fmt: skip
    assert "1 key(s) not in the store: sf:gone" in done.stderr
    table = _cli("kpis", "--cohort", "pilot", "--as-of", "2026-04-30", "--config", str(config), url=sqlite_url)
    assert table.returncode == 0, table.stderr
    assert "cohort pilot (3 accounts) as of each month end" in table.stdout


def test_an_unknown_cohort_is_refused_with_the_configured_ones(lite_store, sqlite_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, COHORTS)
    done = _cli("kpis", "--cohort", "board", "--config", str(config), url=sqlite_url)
    assert done.returncode == 1
    assert "no cohort 'board' in the config's `cohorts` (configured: pilot)" in done.stderr


@pytest.mark.parametrize("cohorts", ["cohorts:\n  Pilot!: [sf:c1]\n", "cohorts:\n  pilot: []\n"])
def test_a_bad_cohort_is_refused_with_its_line(tmp_path: Path, cohorts: str) -> None:
    config = write_config(tmp_path, DEPLOYMENT_YAML + cohorts)
    with pytest.raises(ConfigError, match=r"accountsync.yaml:22:\d+: cohorts\.[Pp]ilot"):
        load_deployment(config, {})
