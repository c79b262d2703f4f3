"""`GET /api/review` and the dashboard's Review page: the backtest of a store seeded by hand, figures checked by
hand, for the roles that read the KPIs; nothing stored."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from sync import Account, Opportunity, build_engine, session, upgrade
from sync.access import create_token

from .conftest import ACCOUNTSYNC, Replica, bearer, write_config
from .test_dashboard import CHROMIUM, CHROMIUM_ARGS

REVIEW_DATE = "2026-10-01"  # one year back with a 6-month horizon: as of 2025-10-01, 2026-01-01, 2026-04-01


def _opportunity(key: str, account: str, kind: str, won: bool, closes: date, created: date, **more: Any) -> Opportunity:
    return Opportunity(connection="sf", crm="salesforce", source_id=key, account_key=account, amount=Decimal(12000),
                       currency="USD", stage="Closed Won" if won else "Closed Lost", is_closed=True, is_won=won,
                       close_date=closes, created_at=datetime(created.year, created.month, created.day, tzinfo=UTC),
                       type=kind, term_months=12, **more)  # fmt: skip


def seed_history(engine: Any) -> None:
    """p1 wins new business on 2025-11-15, p2 loses it on 2026-02-10, c1 (customer since 2025-03-01) expands on
    2026-05-20 and its contract runs out on 2026-03-01, p3 never has a deal. All created long before."""
    old = datetime(2024, 1, 1, tzinfo=UTC)
    with session(engine) as s, s.begin():
        for key in ("sf:p1", "sf:p2", "sf:p3", "sf:c1"):
            s.add(Account(key=key, name=key, industry="Software", created_at=old))
        s.add(_opportunity("n1", "sf:p1", "new_business", True, date(2025, 11, 15), date(2025, 9, 1)))
        s.add(_opportunity("n2", "sf:p2", "new_business", False, date(2026, 2, 10), date(2025, 12, 1)))
        s.add(_opportunity("k1", "sf:c1", "new_business", True, date(2025, 3, 1), date(2025, 1, 1)))
        s.add(_opportunity("e1", "sf:c1", "expansion", True, date(2026, 5, 20), date(2026, 4, 1)))


def _counts(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}  # fmt: skip


def test_the_review_api_backtests_the_store_for_viewers_and_stores_nothing(store, client, tokens) -> None:
    """On SQLite and PostgreSQL: the same figures, by hand."""
    seed_history(store)
    before = _counts(store)
    answer = client.get("/api/review", params={"as_of": REVIEW_DATE, "years": 1, "calibrate": True},
                        headers=bearer(tokens["viewer"]))  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of_dates"] == ["2025-10-01", "2026-01-01", "2026-04-01"]
    assert body["rows"] == 12  # 4 accounts x 3 dates
    # By hand. New business, asked of non-customers: 2025-10-01 p1, p2, p3 (p1 wins Nov 15: 1 of 3); 2026-01-01
    # p2, p3 (p1 is a customer now; none wins); 2026-04-01 p2, p3, c1 (c1's contract ran out on Mar 1; none).
    # 1 of 8. Expansion, asked of customers: 2025-10-01 c1 (its expansion is after the horizon: no), 2026-01-01
    # c1 and p1 (c1 expands May 20: yes), 2026-04-01 p1 (no): 1 of 4. Churn: c1 on 2025-10-01 (ARR 0 by Apr 1:
    # yes), c1 on 2026-01-01 (the expansion runs to 2027: no), p1 on 2026-01-01 (to Nov 15: no), p1 on
    # 2026-04-01 (contract ends Nov 15, after Oct 1: no): 1 of 4.
    assert body["base_rates"] == pytest.approx({"new_business_won": 1 / 8, "expansion_won": 1 / 4, "churned": 1 / 4})
    assert sum(row["accounts"] for row in body["by_tier"]) == 12
    assert sum(row["new_business_won_count"] for row in body["by_decile"]) == 1
    assert body["calibration"]["held_out"] is True
    assert _counts(store) == before


@pytest.mark.parametrize(("role", "status"), [("metrics", 403), ("viewer", 200), ("admin", 200)])
def test_the_review_api_answers_the_roles_that_read_kpis(lite_store, lite_client, lite_tokens, role: str,
                                                         status: int) -> None:  # fmt: skip
    seed_history(lite_store)
    headers = bearer(lite_tokens[role])
    assert lite_client.get("/api/kpis", headers=headers).status_code == status
    assert lite_client.get("/api/review", params={"as_of": REVIEW_DATE}, headers=headers).status_code == status
    assert lite_client.get("/api/review").status_code == 401


def test_a_review_with_no_complete_horizon_is_empty(lite_store, lite_client, lite_tokens) -> None:
    seed_history(lite_store)
    answer = lite_client.get("/api/review", params={"as_of": "2026-10-01", "years": 1, "every": "quarter",
                                                    "horizon_months": 13, "calibrate": True},
                             headers=bearer(lite_tokens["viewer"]))  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert (body["as_of_dates"], body["rows"], body["by_tier"], body["calibration"]) == ([], 0, [], None)
    assert body["auc"] == {"new_business_won": None, "expansion_won": None, "churned": None}


def _bars(page: str, chart: str) -> dict[tuple[str, str], float]:
    svg = page.split(f'<svg id="{chart}"')[1].split("</svg>")[0]
    found = re.findall(r'<rect class="chart-bar" data-label="([^"]+)" data-series="([^"]+)" data-value="([^"]+)"', svg)
    return {(label, series): float(value) for label, series, value in found}


def test_the_review_page_draws_lift_by_tier_and_rate_by_decile_as_the_api_reports(lite_store, lite_client,
                                                                                  lite_tokens) -> None:  # fmt: skip
    seed_history(lite_store)
    before = _counts(lite_store)
    viewer = bearer(lite_tokens["viewer"])
    params = {"as_of": REVIEW_DATE, "years": 1, "calibrate": True}
    body = lite_client.get("/api/review", params=params, headers=viewer).json()
    page = lite_client.get("/review", params=params, headers=viewer).text
    lifts = _bars(page, "lift-by-tier")
    expected = {(f"Tier {row['tier']}", "new business won"): row["new_business_won_lift"] for row in body["by_tier"]
                if row["new_business_won_lift"] is not None}  # fmt: skip
    assert expected
    assert {k: v for k, v in lifts.items() if k[1] == "new business won"} == pytest.approx(expected)
    rates = _bars(page, "rate-by-decile")
    top = next(row for row in body["by_decile"] if row["decile"] == 1)
    assert rates[("1", "churned")] == pytest.approx(top["churned_rate"])
    assert 'class="chart-reference"' in page.split('<svg id="lift-by-tier"')[1].split("</svg>")[0]  # the line at lift 1
    fragment = page.split('<pre id="config-fragment">')[1].split("</pre>")[0]
    assert fragment.strip() == body["calibration"]["config_fragment"].strip()
    assert '<a href="/review" class="on">Review</a>' in page
    assert _counts(lite_store) == before


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_review_page_in_a_browser_shows_both_charts_and_the_tier_table(tmp_path: Path, replicas) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    seed_history(engine)
    token = create_token(engine, name="viewer", role="viewer")
    before = _counts(engine)
    engine.dispose()
    replica = Replica("web", write_config(tmp_path), url, tmp_path, scheduler=False)
    replicas.append(replica)
    replica.wait_ready()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")
        page.click("nav >> text=Review")
        page.goto(f"{replica.url}/review?as_of={REVIEW_DATE}&years=1")
        expect(page.locator("#lift-by-tier")).to_be_visible()
        expect(page.locator("#rate-by-decile")).to_be_visible()
        bars = page.locator("#rate-by-decile rect.chart-bar")
        heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(bars.count())]
        shown = page.locator("#tier-table tbody tr").count()
        base = page.locator("#base-new_business_won").inner_text()
        # Components as the account page names them, never the engine's column names.
        names = page.locator("#component-table tbody tr td:first-child").all_inner_texts()
        assert set(names) == {"Fit (ICP rules)", "Potential (headroom)", "Momentum (pipeline, recent wins)", "Health"}
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        browser.close()
    assert heights
    assert max(heights) > 0
    assert shown >= 1
    assert base == "12.5%"  # 1 of 8, by hand (see the API test above)
    engine = build_engine(url)
    after = _counts(engine)
    engine.dispose()
    assert after.pop("dashboard_session") == 1  # the sign-in's session; the review itself added nothing
    assert after == {name: count for name, count in before.items() if name != "dashboard_session"}
    assert replica.stop() == 0


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    return subprocess.run([ACCOUNTSYNC, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_review_command_prints_tables_and_csv_and_refuses_a_bad_horizon(lite_store, sqlite_url: str,
                                                                          config_path: Path) -> None:  # fmt: skip
    seed_history(lite_store)
    common = ("review", "--as-of", REVIEW_DATE, "--years", "1", "--config", str(config_path))
    table = _cli(*common, url=sqlite_url)
    assert table.returncode == 0, table.stderr
    assert "by tier (rate / lift over the base rate)" in table.stdout
    assert "3 as-of dates 2025-10-01..2026-04-01, horizon 6 months" in table.stdout
    rows = list(csv.DictReader(io.StringIO(_cli(*common, "--format", "csv", url=sqlite_url).stdout)))
    base = {r["outcome"]: float(r["value"]) for r in rows if r["table"] == "overall" and r["measure"] == "base_rate"}
    assert base == pytest.approx({"new_business_won": 1 / 8, "expansion_won": 1 / 4, "churned": 1 / 4})
    bad = _cli(*common, "--horizon", "six", url=sqlite_url)
    assert bad.returncode == 2
    assert "give months as 6m" in bad.stderr
    long = _cli(*common, "--horizon", "13m", url=sqlite_url)
    assert long.returncode == 2
    assert "no quarter start within 1 year(s) has a complete 13m horizon" in long.stderr


def test_the_review_command_offers_exactly_the_outcomes_a_backtest_counts(lite_store, sqlite_url: str) -> None:
    from scoring.backtest import OUTCOMES

    helped = _cli("review", "--help", url=sqlite_url)
    offered = re.search(r"--outcome\s+<([^>]*)>", helped.stdout)
    assert offered is not None, helped.stdout
    assert offered.group(1).split("|") == list(OUTCOMES)
    refused = _cli("review", "--outcome", "won", url=sqlite_url)
    assert refused.returncode == 2
    assert "'won'" in refused.stderr
    assert "churned" in refused.stderr
