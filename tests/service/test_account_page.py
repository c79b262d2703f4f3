"""The account 360 page, from a store seeded by hand: tier, score (one decimal), rank, ARR, headroom and health;
a link to the record in each CRM built from the directory the connector read (Salesforce instance URL +
/lightning/r/Account/ID/view; HubSpot app.hubspot.com/contacts/PORTAL/company/ID); the owner's name (else the id,
labelled); score and health dated per job run (two runs on one day are two points); deals with their stage label
and the amount in their currency and ours (hand-converted at the config's rate); labelled figures, no `None`."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from connectors import Directory
from sync import Account, AccountScore, Opportunity, ScoringRun, SourceAccount, StageMeta, Usage, session
from sync.pull.directory import store_directory
from tests.shown import shown_score

from .conftest import DEPLOYMENT_YAML, sign_in, write_config

KEY = "sf:001A"
SF_URL = "https://acme.my.salesforce.com/lightning/r/Account/{id}/view"
HS_URL = "https://app.hubspot.com/contacts/4242/company/{id}"
FIGURES = {"arr": 120000.0, "headroom": 380000.0, "health": 72.44, "fit": 80.0, "potential": 55.5, "momentum": 20.0,
           "health_component": 72.4, "share_of_wallet": 0.24, "won_expansion_in_window": False, "usage_trend": None,
           "annual_revenue": 410959486000.0, "industry": "Technology"}  # fmt: skip
RUNS = [  # (job run id, scored at, score, health): two job runs on one day
    (7, datetime(2026, 10, 31, 23, 0, tzinfo=UTC), 61.25, 70.0),
    (8, datetime(2026, 11, 1, 6, 0, tzinfo=UTC), 64.0, 71.0),
    (9, datetime(2026, 11, 1, 18, 30, tzinfo=UTC), 66.66, 72.44),
]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, DEPLOYMENT_YAML + "currency:\n  corporate: USD\n  rates: {EUR: '1.08'}\n")


def _seed(engine: Any) -> None:
    with session(engine) as s, s.begin():
        s.add(Account(key=KEY, name="Orbital Devices", industry="Technology and a very long industry name indeed",
                      owner="005OWNER", country="DE", domain="orbital.example"))  # fmt: skip
        s.add(SourceAccount(connection="sf", crm="salesforce", source_id="001A", account_key=KEY, owner="005OWNER"))
        s.add(SourceAccount(connection="hs", crm="hubspot", source_id="9001", account_key=KEY, owner="48116081"))
        s.add(StageMeta(connection="sf", stage="Negotiation", label="Negotiation/Review", display_order=3))
        s.add(
            Opportunity(
                connection="sf",
                crm="salesforce",
                source_id="006X",
                account_key=KEY,
                name="Renewal 2027",
                amount=Decimal(10000),
                currency="EUR",
                stage="Negotiation",
                close_date=date(2026, 12, 15),
                owner="005OWNER",  # the deal's owner, named by the Salesforce directory
            )
        )
        s.add(Usage(account_key=KEY, month=date(2026, 9, 1), active_users=40, licensed_seats=50))
        s.add(Usage(account_key=KEY, month=date(2026, 10, 1), active_users=45, licensed_seats=50))
        for run_id, at, score, health in RUNS:
            run = ScoringRun(run_id=run_id, as_of=at.date(), created_at=at, portfolio={})
            s.add(run)
            s.flush()
            s.add(
                AccountScore(
                    scoring_run_id=run.id,
                    account_key=KEY,
                    score=score,
                    tier="B",
                    rank=3,
                    figures=FIGURES | {"health": health},
                    reasons=["Fit 80: Technology, DE", "Health 72"],
                )
            )
    store_directory(engine, "sf", Directory(SF_URL, {"005OWNER": "Grace Hopper"}))
    store_directory(engine, "hs", Directory(HS_URL, {"1": "Someone Else"}))


def _text(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    assert found, element_id
    return html.unescape(found.group(1)).strip()


def test_the_account_page_shows_the_360(lite_store, lite_client, lite_tokens) -> None:
    _seed(lite_store)
    sign_in(lite_client, lite_tokens["viewer"])
    page = lite_client.get(f"/accounts/{KEY}").text
    assert (_text(page, "account-tier"), _text(page, "account-score"), _text(page, "account-rank")) == (
        "B",
        "66.6",  # 66.66 cut to one decimal (a score is never rounded up towards the next tier)
        "3",
    )
    assert _text(page, "account-arr") == "120,000 USD"
    assert _text(page, "account-headroom") == "380,000 USD"
    assert _text(page, "account-health") == "72.4"
    assert f'href="{SF_URL.replace("{id}", "001A")}"' in page
    assert f'href="{HS_URL.replace("{id}", "9001")}"' in page
    assert _text(page, "account-owner") == "Grace Hopper"
    deal = page.split('data-record="006X"')[1].split("</tr>")[0]
    cells = [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", deal, re.S)]
    assert cells[1:7] == ["Renewal 2027", "Negotiation/Review", "10,000 EUR", "10,800 USD", "2026-12-15",
                          "Grace Hopper"]  # fmt: skip
    history = page.split('id="history-table"')[1].split("</tbody>")[0]
    assert history.count("<tr>") == 1 + len(RUNS)  # header, then one row per job run
    for _, at, score, _ in RUNS:
        assert at.strftime("%Y-%m-%d %H:%M") in history
        assert shown_score(score) in history
    figures = page.split('id="account-figures"')[1].split("</table>")[0]
    assert "annual revenue" in figures
    assert "410,959,486,000 USD" in figures
    assert "share of wallet" in figures
    assert "24.0%" in figures
    assert "won an expansion in window" in figures
    assert "_" not in re.sub(r"<[^>]+>", "", figures)  # labels, not snake_case
    assert "None" not in page
    assert 'class="card kpi wrap"><b>Industry</b>' in page


def test_an_owner_no_directory_names_is_shown_as_its_id_labelled(lite_store, lite_client, lite_tokens) -> None:
    _seed(lite_store)
    store_directory(lite_store, "sf", Directory(SF_URL, {}))
    sign_in(lite_client, lite_tokens["viewer"])
    page = lite_client.get(f"/accounts/{KEY}").text
    assert "<b>Owner ID</b>" in page
    assert _text(page, "account-owner") == "005OWNER"


def _components(page: str) -> dict[str, tuple[str, str]]:
    table = page.split('id="account-components"')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-component="([^"]+)">(.*?)</tr>', table, re.S)
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for name, row in rows}
    return {name: (html.unescape(c[1]).strip(), html.unescape(c[2]).strip()) for name, c in cells.items()}


def test_the_components_show_their_weights_and_coverage_once_people_are_scored(lite_store, lite_client,
                                                                               lite_tokens) -> None:  # fmt: skip
    """The why of a score a rep can check by hand: each component's value and its weight in the config (0.3,
    0.3, 0.2, 0.2; coverage 0.1): (0.3 x 80 + 0.3 x 55.5 + 0.2 x 20 + 0.2 x 72.4 + 0.1 x 50) / 1.1 = 58.3."""
    _seed(lite_store)
    sign_in(lite_client, lite_tokens["viewer"])

    before = _components(lite_client.get(f"/accounts/{KEY}").text)
    with session(lite_store) as s, s.begin():
        for row in s.exec(select(AccountScore)).all():
            row.figures = row.figures | {"coverage_component": 50.0}
    after = _components(lite_client.get(f"/accounts/{KEY}").text)

    assert before == {"fit": ("80.0", "30%"), "potential": ("55.5", "30%"), "momentum": ("20.0", "20%"),
                      "health_component": ("72.4", "20%")}, "no people pulled: no coverage row"  # fmt: skip
    assert after == before | {"coverage_component": ("50.0", "10%")}
    weighted = sum(float(v) * float(w.rstrip("%")) for v, w in after.values()) / sum(
        float(w.rstrip("%")) for _, w in after.values()
    )
    assert round(weighted, 1) == 58.3


def test_a_connection_named_as_its_crm_is_named_once(lite_store, lite_client, lite_tokens) -> None:
    """The demo's connections are called `salesforce` and `hubspot`: 'hubspot (HubSpot) 9002' said it twice."""
    _seed(lite_store)
    with session(lite_store) as s, s.begin():
        s.add(SourceAccount(connection="hubspot", crm="hubspot", source_id="9002", account_key=KEY))
    sign_in(lite_client, lite_tokens["viewer"])

    page = lite_client.get(f"/accounts/{KEY}").text

    crms = page.split('id="account-crms"')[1].split("</ul>")[0]
    held = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", li))).strip()
            for li in re.findall(r"<li>(.*?)</li>", crms, re.S)]  # fmt: skip
    assert sorted(held) == ["HubSpot 9002", "hs (HubSpot) 9001", "sf (Salesforce) 001A"]
