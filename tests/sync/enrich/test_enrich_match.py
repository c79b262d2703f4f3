"""Rows find their account by domain (public mail never, shared domains never guessed), by key, by CRM id."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from sync import Usage, run_enrichment, session, utcnow

from .conftest import NOW, World, hs_company, sf_account, sf_id


def loaded(engine: Any) -> dict[str, int | None]:
    with session(engine) as s:
        return {r.account_key: r.active_users for r in s.exec(select(Usage)).all()}


def test_domain_matching_uses_the_identity_rules_and_reports_ambiguous_and_public_domains(world: World) -> None:
    world.write("usage.csv", "website,month,active_users\n"
                             "HTTPS://www.Acme2.com/pricing,2026-09,12\n"  # row 1: acme2.com
                             "acme5.com,2026-09,5\n"                       # row 2: the HubSpot-only company
                             "ceo@gmail.com,2026-09,1\n"                   # row 3: public mail domain
                             "shared.com,2026-09,2\n"                      # row 4: two Salesforce accounts
                             "unknown.org,2026-09,3\n"                     # row 5: nobody
                             ",2026-09,4\n")  # fmt: skip
    source = {"kind": "usage", "file": "usage.csv", "match_by": "domain", "columns": {"match": "website"}}
    summary = run_enrichment(world.deployment(usage=source), "nightly", engine=world.engine, now=NOW)
    assert loaded(world.engine) == {f"sf:{sf_id(2)}": 12, "hs:9005": 5}
    why = {e["row"]: e["message"].split(": ", 2)[2] for e in summary.errors}
    assert why == {
        3: "not a company domain (empty, no dot, or a public mail domain) ('ceo@gmail.com')",
        4: f"domain shared.com is held by 2 accounts (sf:{sf_id(6)}, sf:{sf_id(7)}): ambiguous",
        5: "no account with domain unknown.org",
        6: "no domain",
    }
    assert summary.sources[0].reasons == {"no or bad domain": 2, "ambiguous": 1, "no such account": 1}


def test_an_id_of_a_merged_away_record_leads_to_the_survivor_and_a_deleted_one_is_reported(world: World) -> None:
    later = utcnow()  # changed after the first sync's cursor
    world.crms["sf"].put("Account", sf_account(8, later, IsDeleted=True, MasterRecordId=sf_id(3)))
    world.crms["hs"].put("companies", hs_company(9, later, archived=True, archivedAt=later))
    world.sync(world.deployment())
    world.write("sf.csv", f"salesforce_id,month,active_users\n{sf_id(8)},2026-09,4\n")
    world.write("hs.csv", "hubspot_id,month,active_users\n9009,2026-09,1\n9001.0,2026-09,6\nabc,2026-09,1\n")
    sources = {"sf": {"kind": "usage", "file": "sf.csv", "match_by": "salesforce_id"},
               "hs": {"kind": "usage", "file": "hs.csv", "match_by": "hubspot_id"}}  # fmt: skip
    summary = run_enrichment(world.deployment(**sources), "nightly", engine=world.engine, now=NOW)
    assert loaded(world.engine) == {f"sf:{sf_id(3)}": 4, f"sf:{sf_id(1)}": 6}
    assert [e["message"].split(": ", 2)[2] for e in summary.errors] == [
        "HubSpot id 9009 belongs to deleted account hs:9009",
        "not a HubSpot company id ('abc')",
    ]


def test_account_data_matched_by_account_key_lands_on_that_account(world: World) -> None:
    world.write("wallet.csv", f'account_key,wallet_estimate\nsf:{sf_id(4)},"250,000.50"\nhs:9005,80000\n')
    source = {"kind": "accounts", "file": "wallet.csv", "match_by": "account_key"}
    summary = run_enrichment(world.deployment(wallet=source), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    assert summary.accounts_rebuilt
    assert summary.sources[0].written == 2
    assert date.today()  # the wallet itself is checked in test_enrich_precedence
