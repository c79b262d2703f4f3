"""Stage durations (kpis.md sections 5 and 8) in every face: the KPI API, the KPI page and `accountsync kpis`
show what the scoring engine computes from the store, in the pipeline's stage order."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scoring import score_portfolio
from sync import Account, Opportunity, StageHistory, StageMeta, session
from sync.scoring_store import params_from_config, read_inputs, score_store, stage_probabilities

from .conftest import ACCOUNTSYNC, bearer

T = date(2026, 11, 1)
# Pipeline order differs from name order; Discovery has no stage metadata, so it comes last.
STAGE_ORDER = {"Prospecting": 1, "Qualification": 2, "Negotiation": 3, "Closed Won": 5, "Closed Lost": 6}
HISTORY = {
    "o1": [("Discovery", "2026-09-28"), ("Prospecting", "2026-10-01"), ("Qualification", "2026-10-11"),
           ("Negotiation", "2026-10-21")],
    "o2": [("Prospecting", "2026-09-01"), ("Qualification", "2026-09-05"), ("Closed Won", "2026-09-20")],
    "o3": [("Prospecting", "2026-08-01"), ("Qualification", "2026-08-03"), ("Prospecting", "2026-08-04"),
           ("Closed Lost", "2026-08-10")],
}  # fmt: skip
# By hand: Prospecting stays 10, 4, 2, 6 days; Qualification 10, 15, 1; Negotiation from Oct 21 to the end of T
# (o1 is open); Discovery 3. p90 by linear interpolation.
EXPECTED = [
    {"stage": "Prospecting", "stays": 4, "median_days": 5.0, "p90_days": 8.8},
    {"stage": "Qualification", "stays": 3, "median_days": 10.0, "p90_days": 14.0},
    {"stage": "Negotiation", "stays": 1, "median_days": 12.0, "p90_days": 12.0},
    {"stage": "Discovery", "stays": 1, "median_days": 3.0, "p90_days": 3.0},
]


def _opportunity(key: str, stage: str, **fields: Any) -> Opportunity:
    return Opportunity(connection="sf", crm="salesforce", source_id=key, account_key="sf:acc0", amount=Decimal(1000),
                       currency="USD", stage=stage, created_at=datetime(2026, 7, 1, tzinfo=UTC), **fields)  # fmt: skip


def seed_pipeline(engine: Any, *, history: bool = True) -> None:
    """One account, three opportunities (open, won, lost) and their stage history, and the stage metadata."""
    with session(engine) as s, s.begin():
        s.add(Account(key="sf:acc0", name="Acme 0", industry="Software"))
        s.add(_opportunity("o1", "Negotiation", close_date=date(2026, 12, 15)))
        s.add(_opportunity("o2", "Closed Won", is_closed=True, is_won=True, close_date=date(2026, 9, 20)))
        s.add(_opportunity("o3", "Closed Lost", is_closed=True, close_date=date(2026, 8, 10)))
        for stage, order in STAGE_ORDER.items():
            s.add(StageMeta(connection="sf", stage=stage, label=stage, display_order=order))
        for opportunity, rows in HISTORY.items() if history else ():
            for stage, day in rows:
                entered = datetime.fromisoformat(day).replace(tzinfo=UTC)
                s.add(StageHistory(connection="sf", opportunity_source_id=opportunity, stage=stage, entered_at=entered))


def engine_durations(engine: Any, deployment: Any) -> dict[str, dict[str, Any]]:
    """The scoring engine's own stage durations over the same store, by stage."""
    params = params_from_config(deployment.scoring, deployment.currency.corporate, stage_probabilities(engine))
    result = score_portfolio(read_inputs(engine, deployment), as_of=T, params=params)
    return {row["stage"]: row for row in result.stage_durations.to_dicts()}


def test_the_kpi_api_returns_the_engines_stage_durations_in_pipeline_order(store, client, tokens, deployment) -> None:
    seed_pipeline(store)
    score_store(store, deployment, as_of=T)
    body = client.get("/api/kpis", headers=bearer(tokens["viewer"])).json()
    stages = body["stage_durations"]
    assert [row["stage"] for row in stages] == [row["stage"] for row in EXPECTED]
    assert stages == [pytest.approx(row) for row in EXPECTED]
    engine = engine_durations(store, deployment)
    assert {row["stage"] for row in stages} == set(engine)
    for row in stages:
        assert row == pytest.approx(engine[row["stage"]])
    assert "stage_durations" not in body["portfolio"]


def test_the_kpi_page_shows_a_stage_duration_chart_and_table(store, client, tokens, deployment) -> None:
    seed_pipeline(store)
    score_store(store, deployment, as_of=T)
    page = client.get("/kpis", headers=bearer(tokens["viewer"])).text
    assert 'id="stage-chart"' in page
    rows = page.split('id="stage-table"')[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 1 + len(EXPECTED)  # the header row, then one row per stage
    assert "<td>Prospecting</td><td>4</td><td>5.0</td><td>8.8</td>" in rows
    assert rows.index("Qualification") < rows.index("Negotiation") < rows.index("Discovery")
    assert "No stage history yet" not in page


def test_with_no_stage_history_the_api_is_empty_and_the_page_says_so(lite_store, lite_client, lite_tokens,
                                                                     deployment) -> None:  # fmt: skip
    seed_pipeline(lite_store, history=False)
    score_store(lite_store, deployment, as_of=T)
    viewer = bearer(lite_tokens["viewer"])
    assert lite_client.get("/api/kpis", headers=viewer).json()["stage_durations"] == []
    page = lite_client.get("/kpis", headers=viewer).text
    assert "No stage history yet" in page
    assert 'id="stage-chart"' not in page


def _cli(*args: str, url: str) -> str:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([ACCOUNTSYNC, *args], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_kpis_command_prints_stage_durations_as_json_csv_and_table(lite_store, sqlite_url, config_path: Path):
    seed_pipeline(lite_store)
    common = ("kpis", "--as-of", T.isoformat(), "--config", str(config_path))
    [portfolio] = json.loads(_cli(*common, "--format", "json", url=sqlite_url))
    assert portfolio["stage_durations"] == [pytest.approx(row) for row in EXPECTED]
    [row] = csv.DictReader(io.StringIO(_cli(*common, "--format", "csv", url=sqlite_url)))
    assert (row["stage_durations.Prospecting.stays"], row["stage_durations.Prospecting.p90_days"]) == ("4", "8.8")
    table = _cli(*common, url=sqlite_url)
    assert "days in stage" in table
    assert table.index("Prospecting") < table.index("Qualification") < table.index("Discovery")
