"""Stage durations (kpis.md sections 5 and 8) in every face: the KPI API, the KPI page and `accountsync kpis`
show, from a store seeded by hand, the figures computed by hand: per connection and pipeline, pipelines and
stages in their display order, with the CRMs' labels; closed stages from the stage metadata."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config import load_deployment
from sync import Account, Opportunity, StageHistory, StageMeta, build_engine, session, upgrade
from sync.access.tokens import create_token
from sync.scores.scoring import score_store

from .conftest import ACCOUNTSYNC, Replica, bearer, write_config
from .test_dashboard import CHROMIUM, CHROMIUM_ARGS

T = date(2026, 11, 1)
SALES = {"pipeline": "default", "pipeline_label": "Sales Pipeline", "pipeline_order": 0}
RENEWALS = {"pipeline": "75287960", "pipeline_label": "Renewals", "pipeline_order": 1}
# (connection, stage id, label, display order, closed, pipeline): the two HubSpot pipelines' stage orders
# overlap, Salesforce's differs from name order, and Discovery has no stage metadata at all.
STAGES = [
    ("sf", "Prospecting", "Prospecting", 1, False, {}),
    ("sf", "Qualification", "Qualification", 2, False, {}),
    ("sf", "Negotiation", "Negotiation/Review", 3, False, {}),
    ("sf", "Closed Won", "Closed Won", 5, True, {}),
    ("sf", "Closed Lost", "Closed Lost", 6, True, {}),
    ("hs", "appointmentscheduled", "Appointment Scheduled", 0, False, SALES),
    ("hs", "qualifiedtobuy", "Qualified To Buy", 1, False, SALES),
    ("hs", "closedwon", "Closed Won", 2, True, SALES),
    ("hs", "75287961", "Renewal Identified", 0, False, RENEWALS),
    ("hs", "75287962", "Renewal Quoted", 1, False, RENEWALS),
    ("hs", "75287965", "Not Renewed", 2, True, RENEWALS),
]
# opportunity -> (connection, current stage, closed, won, close date, [(stage, entered on)])
DEALS = {
    "o1": ("sf", "Negotiation", False, False, "2026-12-15",
           [("Discovery", "2026-09-28"), ("Prospecting", "2026-10-01"), ("Qualification", "2026-10-11"),
            ("Negotiation", "2026-10-21")]),
    "o2": ("sf", "Closed Won", True, True, "2026-09-20",
           [("Prospecting", "2026-09-01"), ("Qualification", "2026-09-05"), ("Closed Won", "2026-09-20")]),
    "o3": ("sf", "Closed Lost", True, False, "2026-08-10",
           [("Prospecting", "2026-08-01"), ("Qualification", "2026-08-03"), ("Prospecting", "2026-08-04"),
            ("Closed Lost", "2026-08-10")]),
    # Lost while its stage still reads Negotiation: Negotiation stays an open stage (the metadata says so).
    "o4": ("sf", "Negotiation", True, False, "2026-10-25",
           [("Prospecting", "2026-10-01"), ("Negotiation", "2026-10-20")]),
    "h1": ("hs", "closedwon", True, True, "2026-10-15",
           [("appointmentscheduled", "2026-10-01"), ("qualifiedtobuy", "2026-10-05"), ("closedwon", "2026-10-15")]),
    "h2": ("hs", "75287962", False, False, None, [("75287961", "2026-10-10"), ("75287962", "2026-10-20")]),
    "h3": ("hs", "75287965", True, False, "2026-09-11", [("75287961", "2026-09-01"), ("75287965", "2026-09-11")]),
}  # fmt: skip


def _row(connection: str, pipeline: dict[str, Any], stage: str, label: str, *figures: float) -> dict[str, Any]:
    stays, median, p90 = figures
    return {"connection": connection, "pipeline": pipeline.get("pipeline"),
            "pipeline_label": pipeline.get("pipeline_label"), "stage": stage, "label": label, "stays": stays,
            "median_days": median, "p90_days": p90}  # fmt: skip


# By hand. hs: h1 4 days in Appointment Scheduled and 10 in Qualified To Buy; Renewal Identified 10 (h2) and
# 10 (h3); h2 in Renewal Quoted from Oct 20 to the end of T (Nov 2, 00:00), 13. sf: Prospecting stays 10, 4, 2,
# 6 and 19 (o4); Qualification 10, 15, 1; Negotiation 12 (o1, open, to the end of T) and 6 (o4, to the end of
# its close date); Discovery 3. p90 by linear interpolation: 10 + 0.6 x 9, 10 + 0.8 x 5, 6 + 0.9 x 6.
EXPECTED = [
    _row("hs", SALES, "appointmentscheduled", "Appointment Scheduled", 1, 4.0, 4.0),
    _row("hs", SALES, "qualifiedtobuy", "Qualified To Buy", 1, 10.0, 10.0),
    _row("hs", RENEWALS, "75287961", "Renewal Identified", 2, 10.0, 10.0),
    _row("hs", RENEWALS, "75287962", "Renewal Quoted", 1, 13.0, 13.0),
    _row("sf", {}, "Prospecting", "Prospecting", 5, 6.0, 15.4),
    _row("sf", {}, "Qualification", "Qualification", 3, 10.0, 14.0),
    _row("sf", {}, "Negotiation", "Negotiation/Review", 2, 9.0, 11.4),
    _row("sf", {}, "Discovery", "Discovery", 1, 3.0, 3.0),
]


def _opportunity(key: str, connection: str, stage: str, closed: bool, won: bool, closes: str | None) -> Opportunity:
    return Opportunity(connection=connection, crm={"sf": "salesforce", "hs": "hubspot"}[connection], source_id=key,
                       account_key="sf:acc0", amount=Decimal(1000), currency="USD", stage=stage, is_closed=closed,
                       is_won=won, close_date=date.fromisoformat(closes) if closes else None,
                       created_at=datetime(2026, 7, 1, tzinfo=UTC))  # fmt: skip


def seed_pipeline(engine: Any, *, history: bool = True) -> None:
    """One account, open, won and lost opportunities in both CRMs, their stage history, the stage metadata."""
    with session(engine) as s, s.begin():
        s.add(Account(key="sf:acc0", name="Acme 0", industry="Software"))
        for connection, stage, label, order, closed, pipeline in STAGES:
            s.add(StageMeta(connection=connection, stage=stage, label=label, display_order=order, is_closed=closed,
                            **pipeline))  # fmt: skip
        for key, (connection, stage, closed, won, closes, rows) in DEALS.items():
            s.add(_opportunity(key, connection, stage, closed, won, closes))
            for entered_stage, day in rows if history else ():
                entered = datetime.fromisoformat(day).replace(tzinfo=UTC)
                s.add(StageHistory(connection=connection, opportunity_source_id=key, stage=entered_stage,
                                   entered_at=entered))  # fmt: skip


def test_the_kpi_api_returns_stage_durations_per_pipeline_in_order_with_labels(store, client, tokens,
                                                                             deployment) -> None:  # fmt: skip
    seed_pipeline(store)
    score_store(store, deployment, as_of=T)
    body = client.get("/api/kpis", headers=bearer(tokens["viewer"])).json()
    assert body["stage_durations"] == [pytest.approx(row) for row in EXPECTED]
    assert "stage_durations" not in body["portfolio"]


def test_the_kpi_page_shows_a_stage_duration_chart_and_table(store, client, tokens, deployment) -> None:
    seed_pipeline(store)
    score_store(store, deployment, as_of=T)
    page = client.get("/kpis", headers=bearer(tokens["viewer"])).text
    assert 'id="stage-chart"' in page
    rows = page.split('id="stage-table"')[1].split("</tbody>")[0]
    assert rows.count("<tr") == 1 + len(EXPECTED)  # the header row, then one row per stage
    assert "<td>sf</td><td>Prospecting</td><td>5</td><td>6.0</td><td>15.4</td>" in rows
    assert "<td>hs · Renewals</td><td>Renewal Quoted</td><td>1</td><td>13.0</td><td>13.0</td>" in rows
    labels = [row["label"] for row in EXPECTED]
    assert [rows.index(f"<td>{label}</td>") for label in labels] == sorted(rows.index(f"<td>{x}</td>") for x in labels)
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
    assert (row["stage_durations.sf.Prospecting.stays"], row["stage_durations.sf.Prospecting.p90_days"]) == (
        "5",
        "15.4",
    )
    assert row["stage_durations.hs.Renewals.Renewal Quoted.median_days"] == "13.0"
    columns = [c.removesuffix(".stays") for c in row if c.startswith("stage_durations.") and c.endswith(".stays")]
    assert columns == [f"stage_durations.{'.'.join(p for p in (r['connection'], r['pipeline_label'], r['label']) if p)}"
                       for r in EXPECTED]  # fmt: skip
    table = _cli(*common, url=sqlite_url)
    assert "days in stage" in table
    shown = table.split("days in stage")[1]
    assert [shown.index(row["label"]) for row in EXPECTED] == sorted(shown.index(row["label"]) for row in EXPECTED)
    assert "75287962" not in shown  # labels, not HubSpot's stage ids
    assert "appointmentscheduled" not in shown


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_kpi_page_in_a_browser_shows_stage_labels_per_pipeline_in_order(tmp_path: Path, replicas) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    seed_pipeline(engine)
    config = write_config(tmp_path)
    score_store(engine, load_deployment(config, {}), as_of=T)
    token = create_token(engine, name="viewer", role="viewer")
    engine.dispose()
    replica = Replica("web", config, url, tmp_path, scheduler=False)
    replicas.append(replica)
    replica.wait_ready()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")
        page.goto(f"{replica.url}/kpis")
        expect(page.locator("#stage-chart")).to_have_attribute("data-drawn", "1")
        chart = page.evaluate("""() => { const c = Chart.getChart(document.getElementById("stage-chart"));
            return {labels: c.data.labels, series: c.data.datasets.map((d) => [d.label, d.data])}; }""")
        rows = page.locator("#stage-table tbody tr")
        expect(rows).to_have_count(len(EXPECTED))
        shown = [rows.nth(i).locator("td").all_inner_texts() for i in range(len(EXPECTED))]
        page.locator("#stage-durations").screenshot(path=str(tmp_path / "kpis-stages.png"))
        browser.close()
    where = [" · ".join(p for p in (r["connection"], r["pipeline_label"]) if p) for r in EXPECTED]
    assert chart["labels"] == [[r["label"], w] for r, w in zip(EXPECTED, where, strict=True)]
    assert chart["series"] == [["median days", [pytest.approx(r["median_days"]) for r in EXPECTED]],
                               ["p90 days", [pytest.approx(r["p90_days"]) for r in EXPECTED]]]  # fmt: skip
    assert shown == [[w, r["label"], str(r["stays"]), f"{r['median_days']:.1f}", f"{r['p90_days']:.1f}"]
                     for r, w in zip(EXPECTED, where, strict=True)]  # fmt: skip
    assert replica.stop() == 0
