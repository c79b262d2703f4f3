"""The dashboard: login by token into an HttpOnly SameSite=Strict session, pages with no secret, and a real
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) that logs in, starts a run, watches it
finish, opens an account and the KPIs (with the stage-duration chart and table), and saves screenshots in the
test's tmp dir."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sync import build_engine, upgrade
from sync.access.tokens import create_token

from .conftest import Replica, seed_scores, sign_in, write_config
from .fakecrm import SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def test_pages_need_a_session_and_login_sets_a_strict_httponly_cookie(lite_client, lite_tokens) -> None:
    assert lite_client.get("/jobs", follow_redirects=False).headers["location"] == "/login"
    refused = sign_in(lite_client, "as_wrong")
    assert refused.status_code == 401
    response = sign_in(lite_client, lite_tokens["viewer"])
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    page = lite_client.get("/jobs")
    assert page.status_code == 200
    assert "nightly" in page.text
    assert "Run now" not in page.text  # a viewer cannot trigger runs
    assert SECRET not in page.text


def test_a_session_cannot_change_state_without_the_dashboard_header(lite_client, lite_tokens) -> None:
    sign_in(lite_client, lite_tokens["operator"])
    assert lite_client.post("/api/jobs/nightly/runs", json={}).status_code == 403
    ok = lite_client.post("/api/jobs/nightly/runs", json={}, headers={"X-Requested-With": "accountsync"})
    assert ok.status_code == 201


def test_every_page_renders_without_secrets(lite_store, lite_client, lite_tokens) -> None:
    seed_scores(lite_store)
    sign_in(lite_client, lite_tokens["admin"])
    run = lite_client.post("/api/jobs/nightly/runs", json={}, headers={"X-Requested-With": "accountsync"}).json()
    for path in ("/jobs", "/runs", f"/runs/{run['run']['id']}", "/accounts", "/accounts?tier=A&min_score=50",
                 "/accounts/sf:acc2", "/kpis", "/runs/99999", "/accounts/nope"):  # fmt: skip
        page = lite_client.get(path)
        assert page.status_code == 200, path
        assert SECRET not in page.text
        assert lite_tokens["admin"] not in page.text
    assert "Acme 2" in lite_client.get("/accounts/sf:acc2").text
    assert "77.7%" in lite_client.get("/kpis").text


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_a_browser_logs_in_starts_a_run_watches_it_finish_and_opens_an_account(tmp_path: Path, replicas) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    seed_scores(engine)
    token = create_token(engine, name="ops-lead", role="operator")
    engine.dispose()
    replica = Replica(
        "web",
        write_config(tmp_path),
        url,
        tmp_path,
        scheduler=False,
        FAKE_CRM_ACCOUNTS="24",
        FAKE_CRM_PAGE_SLEEP="0.25",
    )
    replicas.append(replica)
    replica.wait_ready()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        console: list[str] = []  # Chromium reports each Content-Security-Policy refusal here
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{replica.url}/jobs")
        expect(page).to_have_url(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")
        expect(page.locator("h1")).to_have_text("Jobs")
        [cookie] = page.context.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
        page.screenshot(path=str(shots / "jobs.png"), full_page=True)
        page.click('button.run-now[data-job="nightly"][data-kind="job"]')
        expect(page).to_have_url(f"{replica.url}/runs/1")
        expect(page.locator("#run-status")).to_have_text("running", timeout=15_000)
        page.screenshot(path=str(shots / "run-running.png"), full_page=True)
        expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#run-read")).to_have_text("24")
        expect(page.locator("#steps tbody tr")).to_have_count(4)  # "Run now" is the whole job
        expect(page.locator('#steps tr[data-step="score"] .status')).to_have_text("succeeded")
        page.reload()  # the finished run's bar as the server draws it: its width set from data by the static JS
        expect(page.locator("#run-bar .bar span")).to_have_attribute("style", "width: 100%;")
        page.screenshot(path=str(shots / "run-done.png"), full_page=True)
        seeded = build_engine(url)  # the pages below are checked against hand-made scores and KPIs: the newest
        seed_scores(seeded)  # scoring run again, after the one the job stored
        seeded.dispose()
        page.goto(f"{replica.url}/runs")
        expect(page.locator('tr[data-run="1"] .status')).to_have_text("succeeded")
        page.goto(f"{replica.url}/accounts")
        page.screenshot(path=str(shots / "accounts.png"), full_page=True)
        page.click("text=Acme 1")
        expect(page.locator("#account-score")).to_have_text("78.0")
        expect(page.locator("#history-chart")).to_have_attribute("data-drawn", "1")
        page.screenshot(path=str(shots / "account.png"), full_page=True)
        page.goto(f"{replica.url}/kpis")
        expect(page.locator("#kpi-nrr")).to_have_text("88.8%")
        expect(page.locator("canvas[data-drawn]")).to_have_count(2)  # rates and stages; the ARR bridge is SVG
        expect(page.locator('#arr-bridge rect[data-label="end"]')).to_have_attribute("data-end", "21000.00")
        expect(page.locator("#stage-chart")).to_have_attribute("data-drawn", "1")
        chart = page.evaluate("""() => { const c = Chart.getChart(document.getElementById("stage-chart"));
            return {labels: c.data.labels, series: c.data.datasets.map((d) => [d.label, d.data])}; }""")
        assert chart == {"labels": ["Prospecting", "Negotiation"],
                         "series": [["median days", [6.5, 21.0]], ["p90 days", [14.2, 40.75]]]}  # fmt: skip
        rows = page.locator("#stage-table tbody tr")
        expect(rows).to_have_count(2)
        # A run stored before stages had a connection and pipeline: the pipeline cell is empty.
        expect(rows.nth(0).locator("td")).to_have_text(["", "Prospecting", "9", "6.5", "14.2"])
        expect(rows.nth(1).locator("td")).to_have_text(["", "Negotiation", "4", "21.0", "40.8"])
        page.screenshot(path=str(shots / "kpis.png"), full_page=True)
        page.locator("#stage-durations").screenshot(path=str(shots / "kpis-stages.png"))
        html = page.content()
        browser.close()
    assert [m for m in console if "Content Security Policy" in m] == []
    assert SECRET not in html
    assert token not in html
    assert sorted(f.name for f in shots.iterdir()) == ["account.png", "accounts.png", "jobs.png", "kpis-stages.png",
                                                       "kpis.png", "run-done.png", "run-running.png"]  # fmt: skip
    assert replica.stop() == 0
    assert token not in replica.logs()


def test_an_operator_can_resync_one_account_from_its_page(lite_store, lite_client, lite_tokens) -> None:
    from sync import SourceAccount, session

    seed_scores(lite_store)
    with session(lite_store) as s, s.begin():
        s.add(SourceAccount(connection="salesforce", crm="salesforce", source_id="acc2", account_key="sf:acc2"))
    sign_in(lite_client, lite_tokens["viewer"])
    assert "Resync this account" not in lite_client.get("/accounts/sf:acc2").text
    sign_in(lite_client, lite_tokens["operator"])
    page = lite_client.get("/accounts/sf:acc2").text
    assert 'data-account="sf:acc2"' in page
    assert "Resync this account (nightly)" in page
    queued = lite_client.post("/api/jobs/nightly/runs", json={"kind": "full", "account": "sf:acc2"},
                              headers={"X-Requested-With": "accountsync"})  # fmt: skip
    assert queued.status_code == 201
    assert queued.json()["run"]["params"]["account"] == "sf:acc2"


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_a_browser_refuses_a_cross_site_sign_in_and_a_stolen_cookie_dies_at_sign_out(tmp_path: Path, replicas):
    """Chromium posts the sign-in form from another site (as an attacker's page does), then signs in for real,
    copies its cookie, signs out, and replays the copy from a second browser."""
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    token = create_token(engine, name="ops-lead", role="operator")
    attacker = create_token(engine, name="attacker", role="viewer")
    engine.dispose()
    replica = Replica("web", write_config(tmp_path), url, tmp_path, scheduler=False)
    replicas.append(replica)
    replica.wait_ready()
    evil = (
        f'<form id="f" method="post" action="{replica.url}/login"><input name="token" value="{attacker}">'
        '<input name="csrf" value="guessed"></form><script>document.getElementById("f").submit()</script>'
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        victim = browser.new_context()
        page = victim.new_page()
        page.route("http://evil.example/**", lambda route: route.fulfill(body=evil, content_type="text/html"))
        with page.expect_response(f"{replica.url}/login") as posted:
            page.goto("http://evil.example/")
        assert posted.value.status == 403
        assert "another site" in page.content()
        assert [c["name"] for c in victim.cookies(replica.url)] == []
        page.goto(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")
        expect(page.locator("h1")).to_have_text("Jobs")
        [stolen] = [c for c in victim.cookies(replica.url) if c["name"] == "accountsync_session"]
        assert stolen["value"] != token
        thief = browser.new_context()
        thief.add_cookies([stolen])
        thief_page = thief.new_page()
        thief_page.goto(f"{replica.url}/jobs")
        expect(thief_page.locator("h1")).to_have_text("Jobs")  # a live session's copy works...
        page.click("text=Sign out")
        expect(page).to_have_url(f"{replica.url}/login")
        thief_page.goto(f"{replica.url}/jobs")
        expect(thief_page).to_have_url(f"{replica.url}/login")  # ...and dies with the sign-out
        answer = thief.request.get(f"{replica.url}/api/jobs")
        assert answer.status == 401
        browser.close()
    assert replica.stop() == 0
