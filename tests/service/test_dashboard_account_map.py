"""The account map on the dashboard's account page (issue #22), in a real headless Chromium: people grouped by
buying role, engaged or not, the missing roles and the account team, for a store seeded by hand; screenshot in
the test's tmp dir."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync import build_engine, session, upgrade
from sync.access.tokens import create_token
from sync.store.crm_directory import CrmDirectory
from sync.store.people_tables import Contact, CrmUser, DealContact, TeamMember
from sync.store.tables import Opportunity, SourceAccount

from .conftest import Replica, seed_scores, sign_in, write_config
from .test_dashboard import CHROMIUM, CHROMIUM_ARGS


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def seed_people(engine: object) -> None:
    """Acme 1 (sf:acc1, 1,500 employees: enterprise) at T = 2026-11-01, by hand: an engaged 代表取締役, an IT head
    last active in March (not engaged), a procurement manager and a champion on an open deal; Maya Chen owns it,
    Noah Patel is its pre-sales consultant, nobody is its CSM."""
    with session(engine) as s, s.begin():  # type: ignore[arg-type]
        s.add(SourceAccount(connection="sf", crm="salesforce", source_id="001acc1", account_key="sf:acc1",
                            name="Acme 1", employees=1500, owner="005maya"))  # fmt: skip
        s.add(CrmUser(connection="sf", source_id="005maya", name="Maya Chen", team="EMEA"))
        s.add(CrmUser(connection="sf", source_id="005noah", name="Noah Patel", team="EMEA"))
        s.add(TeamMember(connection="sf", source_id="01Mnoah", account_source_id="001acc1", user_source_id="005noah",
                         role="Pre-Sales Consultant"))  # fmt: skip
        s.add(Opportunity(connection="sf", crm="salesforce", source_id="006open", account_source_id="001acc1",
                          account_key="sf:acc1", is_closed=False))  # fmt: skip
        people = [
            ("c1", "Aoi Sato", "代表取締役", _at("2026-10-20")),
            ("c2", "Ren Ito", "情報システム部 課長", _at("2026-03-01")),
            ("c3", "Sam Kelly", "Procurement Manager", None),
            ("c4", "Maria Rossi", "Consultant", None),
        ]
        for source_id, name, title, active in people:
            s.add(Contact(connection="sf", source_id=source_id, account_source_id="001acc1", name=name, title=title,
                          last_activity_at=active))  # fmt: skip
        for source_id, contact, role in (("00K3", "c3", "Decision Maker"), ("00K4", "c4", "Champion")):
            s.add(DealContact(connection="sf", source_id=source_id, opportunity_source_id="006open",
                              contact_source_id=contact, role=role))  # fmt: skip


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_account_page_draws_the_buying_committee(tmp_path: Path, replicas) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    seed_scores(engine)
    seed_people(engine)
    token = create_token(engine, name="viewer", role="viewer")
    engine.dispose()
    replica = Replica("web", write_config(tmp_path), url, tmp_path, scheduler=False)
    replicas.append(replica)
    replica.wait_ready()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{replica.url}/login")
        page.fill("#token", token)
        page.click("#sign-in")
        page.goto(f"{replica.url}/accounts/sf:acc1")
        expect(page.locator("#map-coverage")).to_have_text("40% of enterprise roles covered")  # 2 of 5
        expect(page.locator("#map-engaged")).to_have_text("3 engaged")
        expect(page.locator("#map-single")).to_have_count(0)
        roles = page.locator(".map-role")
        expect(roles).to_have_count(6)  # the five required roles, then the champion
        expect(page.locator('.map-role[data-role="executive_sponsor"].covered .person.engaged')).to_have_text(
            "Aoi Sato代表取締役"
        )
        expect(page.locator('.map-role[data-role="procurement"].covered .person.engaged .person-name')).to_have_text(
            "Sam Kelly"
        )
        it = page.locator('.map-role[data-role="it_technical"]')
        expect(it).to_have_class("map-role missing")  # Ren Ito is known, but not engaged since March
        expect(it.locator(".person.idle .person-name")).to_have_text("Ren Ito")
        expect(it.locator(".gap")).to_have_text("No engaged IT contact")
        for missing in ("economic_buyer", "line_user"):
            expect(page.locator(f'.map-role[data-role="{missing}"].missing .person')).to_have_count(0)
        expect(page.locator('.map-role[data-role="champion"] .person-name')).to_have_text("Maria Rossi")
        expect(page.locator('.seat[data-seat="ae"]')).to_contain_text("Maya Chen")
        expect(page.locator('.seat[data-seat="csm"].empty')).to_contain_text("nobody")
        expect(page.locator('.seat[data-seat="sa"]')).to_contain_text("Noah Patel")
        assert page.evaluate("getComputedStyle(document.querySelector('.map-role.missing')).borderStyle") == "dashed"
        shots = tmp_path / "screenshots"
        shots.mkdir()
        page.locator("#account-map").screenshot(path=str(shots / "account-map.png"))
        page.screenshot(path=str(shots / "account.png"), full_page=True)
        browser.close()
    assert not [m for m in console if "Content Security Policy" in m]
    assert (shots / "account-map.png").stat().st_size > 5_000


def test_without_pulled_users_the_team_is_named_from_the_crm_directory(lite_store, lite_client, lite_tokens) -> None:
    """A job that pulls no people still reads each CRM's owner directory: the owner's seat shows that name, as the
    account header does, not the CRM's user id; an id no directory knows stays as it is."""
    seed_scores(lite_store)
    with session(lite_store) as s, s.begin():
        s.add(SourceAccount(connection="sf", crm="salesforce", source_id="001acc1", account_key="sf:acc1",
                            name="Acme 1", employees=1500, owner="005maya"))  # fmt: skip
        s.add(SourceAccount(connection="hs", crm="hubspot", source_id="901", account_key="sf:acc1", name="Acme 1",
                            owner="77"))  # fmt: skip
        s.add(CrmDirectory(connection="sf", owners={"005maya": "Maya Chen"}))
    sign_in(lite_client, lite_tokens["viewer"])
    page = lite_client.get("/accounts/sf:acc1")
    assert page.status_code == 200, page.text
    seat = re.search(r'data-seat="ae">(.*?)</div>', page.text, re.S)
    assert seat is not None, page.text
    assert " ".join(seat.group(1).split()) == "<b>Account executive</b>: Maya Chen, 77"
