"""One industry vocabulary across the CRMs: `accountsync kpis --by industry` and `score` on a store seeded by hand
count HubSpot's COMPUTER_SOFTWARE as Salesforce's Technology (the default mapping), a config override files
MACHINERY under Manufacturing, and wallet ratios named in our vocabulary reach the HubSpot-named accounts.

By hand (T = 2026-11-01, every contract 12 months from 2026-06-01, USD):
- Technology: sf:t1 (Technology, 12,000) and hs:t2 (COMPUTER_SOFTWARE, 24,000): 2 customers, ARR 36,000;
  hs:t2's wallet = 0.004 x 10,000,000 = 40,000, headroom 40,000 - 24,000 = 16,000.
- Healthcare: sf:h1 (Healthcare, 6,000) and hs:h2 (HOSPITAL_HEALTH_CARE, no deal): 2 accounts, 1 customer, ARR 6,000.
- Manufacturing: hs:m1 (MACHINERY, mapped by the config, 3,000): ARR 3,000.
Without the defaults, COMPUTER_SOFTWARE and HOSPITAL_HEALTH_CARE stay segments of their own.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sync import Account, Opportunity, session

from .conftest import ACCOUNTSYNC, DEPLOYMENT_YAML, write_config

T = date(2026, 11, 1)
ACCOUNTS = {  # key -> (industry as its CRM names it, annual revenue, won ARR or None)
    "sf:t1": ("Technology", 5_000_000, 12_000),
    "hs:t2": ("COMPUTER_SOFTWARE", 10_000_000, 24_000),
    "sf:h1": ("Healthcare", 1_000_000, 6_000),
    "hs:h2": ("HOSPITAL_HEALTH_CARE", 2_000_000, None),
    "hs:m1": ("MACHINERY", 3_000_000, 3_000),
}
VOCABULARY = """scoring:
  wallet_ratios: {Technology: 0.004, Healthcare: 0.002, Manufacturing: 0.002}
vocabulary:
  industries: {MACHINERY: Manufacturing}
"""


def _seed(engine: Any) -> None:
    with session(engine) as s, s.begin():
        for key, (industry, revenue, arr) in ACCOUNTS.items():
            connection, source_id = key.split(":")
            s.add(Account(key=key, name=key, industry=industry, annual_revenue=Decimal(revenue), currency="USD"))
            if arr is not None:
                s.add(Opportunity(connection=connection, crm={"sf": "salesforce", "hs": "hubspot"}[connection],
                                  source_id=f"o-{source_id}", account_key=key, amount=Decimal(arr), currency="USD",
                                  stage="Closed Won", is_closed=True, is_won=True, close_date=date(2026, 5, 20),
                                  created_at=datetime(2026, 4, 1, tzinfo=UTC), type="new_business",
                                  recurring=True, term_months=12, start_date=date(2026, 6, 1)))  # fmt: skip


def _cli(*args: str, url: str, config: Path) -> Any:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    command = [ACCOUNTSYNC, *args, "--as-of", T.isoformat(), "--format", "json", "--config", str(config)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_crms_industries_are_one_vocabulary_in_segments_and_wallets(lite_store, sqlite_url, tmp_path) -> None:
    _seed(lite_store)
    config = write_config(tmp_path, DEPLOYMENT_YAML + VOCABULARY)
    segments = {row["industry"]: row for row in _cli("kpis", "--by", "industry", url=sqlite_url, config=config)}
    assert set(segments) == {"Technology", "Healthcare", "Manufacturing"}
    assert (segments["Technology"]["accounts"], segments["Technology"]["customers"]) == (2, 2)
    assert segments["Technology"]["arr"] == 36_000
    assert (segments["Healthcare"]["accounts"], segments["Healthcare"]["customers"]) == (2, 1)
    assert segments["Healthcare"]["arr"] == 6_000
    assert segments["Manufacturing"]["arr"] == 3_000
    ranked = {row["key"]: row for row in _cli("score", "--top", "10", url=sqlite_url, config=config)}
    assert ranked["hs:t2"]["headroom"] == 16_000  # 0.004 x 10M - 24,000: the Technology ratio reached it


def test_without_the_defaults_each_crm_keeps_its_own_names(lite_store, sqlite_url, tmp_path) -> None:
    _seed(lite_store)
    config = write_config(
        tmp_path, DEPLOYMENT_YAML + VOCABULARY.replace("vocabulary:\n", "vocabulary:\n  industry_defaults: false\n")
    )
    segments = {row["industry"] for row in _cli("kpis", "--by", "industry", url=sqlite_url, config=config)}
    assert segments == {"Technology", "COMPUTER_SOFTWARE", "Healthcare", "HOSPITAL_HEALTH_CARE", "Manufacturing"}
