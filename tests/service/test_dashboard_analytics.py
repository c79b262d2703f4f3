"""The account 360, KPI trends, ARR bridge and segment pages in headless Chromium, with screenshots kept as test
artefacts in `test-artefacts/` (gitignored), and assertions on what each page shows, against the store's own
records and the hand-computed figures of tests/service/test_analytics_pages.py and test_account_page.py:
the links' URLs, the owner's name, a deal's amount in both currencies, the history's points, ARR per month end,
the waterfall's end = start + new + expansion - contraction - churn, and a chosen segment's KPIs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from config import load_deployment
from sync import AccountScore, ScoringRun, build_engine, session, upgrade
from sync.access import create_token
from tests.shown import shown_score

from .conftest import DEPLOYMENT_YAML, Replica, write_config
from .test_account_page import HS_URL, KEY, RUNS, SF_URL
from .test_account_page import _seed as seed_account
from .test_analytics_pages import ARR_BY_MONTH, BRIDGE
from .test_analytics_pages import _seed as seed_portfolio
from .test_dashboard import CHROMIUM, CHROMIUM_ARGS

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "dashboard-analytics"


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_analytics_and_account_pages_in_a_browser(tmp_path: Path, replicas) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    config = write_config(tmp_path, DEPLOYMENT_YAML + "currency:\n  corporate: USD\n  rates: {EUR: '1.08'}\n")
    seed_account(engine)  # three dated job runs of the account, its CRM records, directory, deal and usage
    seed_portfolio(engine, load_deployment(config, {}))  # then the portfolio, scored at T: the latest run
    with session(engine) as s:
        latest = s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc())).first()
        assert latest is not None
        score = s.get(AccountScore, (latest.id, KEY))
        assert score is not None
    token = create_token(engine, name="viewer", role="viewer")
    engine.dispose()
    replica = Replica("web", config, url, tmp_path, scheduler=False)
    replicas.append(replica)
    replica.wait_ready()
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")

        page.goto(f"{replica.url}/accounts/{KEY}")
        expect(page.locator("#account-score")).to_have_text(shown_score(score.score))
        expect(page.locator("#account-owner")).to_have_text("Grace Hopper")
        links = page.locator("#account-crms a")
        expect(links).to_have_count(2)
        assert sorted(links.evaluate_all("(as) => as.map((a) => a.href)")) == sorted(
            [HS_URL.replace("{id}", "9001"), SF_URL.replace("{id}", "001A")]
        )
        texts = sorted(links.evaluate_all("(as) => as.map((a) => a.textContent)"))
        assert [t.split(" ", 1)[1] for t in texts] == ["(HubSpot) 9001", "(Salesforce) 001A"]  # the CRMs' own names
        deal = page.locator('#account-deals tr[data-record="006X"] td')
        expect(deal).to_have_text(["sf", "Renewal 2027", "Negotiation/Review", "10,000 EUR", "10,800 USD",
                                   "2026-12-15", "Grace Hopper"])  # fmt: skip
        expect(page.locator("#history-table tbody tr")).to_have_count(len(RUNS) + 1)
        expect(page.locator("#history-chart")).to_have_attribute("data-drawn", "1")
        industry = page.locator("#account-industry").bounding_box()
        card = page.locator("#account-industry").locator("xpath=..").bounding_box()
        assert industry is not None
        assert card is not None
        assert industry["x"] + industry["width"] <= card["x"] + card["width"]  # the text stays in its card
        page.screenshot(path=str(ARTEFACTS / "account-360.png"), full_page=True)

        page.goto(f"{replica.url}/kpis/trends?months=12")
        cells = page.locator('#trend-table td[data-kpi="arr"]')
        expect(cells).to_have_text([f"{arr:,}" for arr in ARR_BY_MONTH.values()])
        points = page.locator("#trend-arr circle").evaluate_all("(cs) => cs.map((c) => Number(c.dataset.value))")
        assert points == list(ARR_BY_MONTH.values())
        # The ARR axis: round ticks from 0 to the first at or above the highest month (42,000), 10k apart.
        expect(page.locator("#trend-arr text.tick")).to_have_text(["0", "10k", "20k", "30k", "40k", "50k"])
        expect(page.locator("#trend-rates text.tick").first).to_have_text("0%")
        for chart in ("#trend-arr", "#trend-rates"):  # every label and the legend drawn inside the chart
            box = page.locator(chart).bounding_box()
            assert box is not None
            texts = page.locator(f"{chart} text").evaluate_all(
                "(ts) => ts.map((t) => { const r = t.getBoundingClientRect();"
                " return [t.textContent, r.left, r.right, r.top, r.bottom]; })"
            )
            outside = [text for text, left, right, top, bottom in texts if left < box["x"] - 0.5
                       or right > box["x"] + box["width"] + 0.5 or top < box["y"] - 0.5
                       or bottom > box["y"] + box["height"] + 0.5]  # fmt: skip
            assert outside == [], chart
        page.screenshot(path=str(ARTEFACTS / "kpi-trends.png"), full_page=True)

        page.goto(f"{replica.url}/kpis/bridge")
        bars = page.locator("#arr-bridge rect.step").evaluate_all(
            "(rs) => rs.map((r) => [r.dataset.label, Number(r.dataset.amount), Number(r.dataset.start),"
            " Number(r.dataset.end), r.getBBox().height])"
        )
        assert [(label, amount) for label, amount, *_ in bars] == list(BRIDGE.items())
        end = BRIDGE["start"] + BRIDGE["new"] + BRIDGE["expansion"] - BRIDGE["contraction"] - BRIDGE["churn"]
        assert bars[-1][3] == end
        heights = {label: height for label, *_, height in bars}
        assert heights["end"] == pytest.approx(heights["start"] * end / BRIDGE["start"], rel=0.02)  # drawn to scale
        page.screenshot(path=str(ARTEFACTS / "arr-bridge.png"), full_page=True)

        page.goto(f"{replica.url}/kpis/segments")
        page.select_option("#segment-by", "industry")
        page.click("form.filters button")
        row = page.locator('#segment-table tr[data-segment="Technology"]')
        expect(row.locator('td[data-kpi="customers"]')).to_have_text("2")
        expect(row.locator('td[data-kpi="arr"]')).to_have_text("36,000")
        expect(page.locator('#segment-table tr[data-segment="Retail"] td[data-kpi="logo_churn_rate"]')).to_have_text(
            "100.0%"
        )
        page.screenshot(path=str(ARTEFACTS / "segments.png"), full_page=True)
        browser.close()
    assert [m for m in console if "Content Security Policy" in m] == []
    assert sorted(f.name for f in ARTEFACTS.iterdir()) == ["account-360.png", "arr-bridge.png", "kpi-trends.png",
                                                           "segments.png"]  # fmt: skip
    assert replica.stop() == 0
