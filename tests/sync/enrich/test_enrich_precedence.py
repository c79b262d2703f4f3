"""Account data from a source against the CRM's values: `source` wins, `crm` only fills gaps, and both survive
the next sync's identity pass; wallet estimates too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sync import Account, run_enrichment, session, utcnow

from .conftest import NOW, World, sf_account, sf_id

A0 = f"sf:{sf_id(0)}"
FIRMOGRAPHICS = (
    f"account_key,wallet,headcount,revenue,sector\n{A0},500000,5000,9000000,Retail\nhs:9005,80000,,2000000,Retail\n"
)
SOURCE = {
    "kind": "accounts",
    "file": "accounts.csv",
    "match_by": "account_key",
    "columns": {"wallet_estimate": "wallet", "employees": "headcount", "annual_revenue": "revenue",
                "industry": "sector"},
    "precedence": {"employees": "source", "industry": "crm"},  # annual_revenue: crm by default
}  # fmt: skip


def account(engine: Any, key: str) -> tuple[Any, ...]:
    with session(engine) as s:
        row = s.get(Account, key)
    assert row is not None
    return (row.wallet_estimate, row.employees, row.annual_revenue, row.industry)


def test_source_values_win_or_fill_gaps_by_precedence(world: World) -> None:
    world.write("accounts.csv", FIRMOGRAPHICS)
    summary = run_enrichment(world.deployment(accounts=SOURCE), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    assert summary.accounts_rebuilt
    # employees: source wins; revenue and industry: the CRM has them and wins (industry from HubSpot by the job)
    assert account(world.engine, A0) == (Decimal(500000), 5000, Decimal(1000000), "SOFTWARE")
    # the HubSpot-only company has no revenue in the CRM: the source fills it
    assert account(world.engine, "hs:9005") == (Decimal(80000), 250, Decimal(2000000), "SOFTWARE")


def test_enrichment_survives_the_next_sync_and_yields_to_new_crm_values_only_where_crm_wins(world: World) -> None:
    world.write("accounts.csv", FIRMOGRAPHICS)
    deployment = world.deployment(accounts=SOURCE)
    run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    world.crms["sf"].put("Account", sf_account(0, utcnow(), NumberOfEmployees=150))
    world.crms["hs"].put("companies", {**world.crms["hs"].objects["companies"]["9005"], "annualrevenue": "3000000",
                                       "hs_lastmodifieddate": utcnow()})  # fmt: skip
    world.sync(deployment)
    assert account(world.engine, A0) == (Decimal(500000), 5000, Decimal(1000000), "SOFTWARE")
    assert account(world.engine, "hs:9005") == (Decimal(80000), 250, Decimal(3000000), "SOFTWARE")


def test_reloading_the_same_account_data_rebuilds_nothing(world: World) -> None:
    world.write("accounts.csv", FIRMOGRAPHICS)
    deployment = world.deployment(accounts=SOURCE)
    run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    again = run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    assert (again.sources[0].written, again.sources[0].unchanged, again.accounts_rebuilt) == (0, 2, False)
    world.write("accounts.csv", FIRMOGRAPHICS.replace("500000", "750000.25"))
    changed = run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    assert (changed.sources[0].written, changed.accounts_rebuilt) == (1, True)
    assert account(world.engine, A0)[0] == Decimal("750000.25")


def test_account_data_follows_its_account_when_identity_gives_it_a_new_key(world: World) -> None:
    world.write("wallet.csv", "account_key,wallet_estimate,revenue\nhs:9005,80000,2000000\n")
    source = {"kind": "accounts", "file": "wallet.csv", "match_by": "account_key",
              "columns": {"annual_revenue": "revenue"}}  # fmt: skip
    deployment = world.deployment(wallet=source)
    run_enrichment(deployment, "nightly", engine=world.engine, now=NOW)
    # A Salesforce account with the HubSpot company's domain arrives: the company joins it, under its key.
    world.crms["sf"].put("Account", sf_account(5, utcnow(), AnnualRevenue=None))
    world.sync(deployment)
    assert account(world.engine, f"sf:{sf_id(5)}") == (Decimal(80000), 105, Decimal(2000000), "SOFTWARE")
