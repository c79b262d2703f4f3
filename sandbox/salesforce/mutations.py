"""Random changes a busy org sees: reps editing accounts and deals, new records, deletions, merges."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sandbox.catalog import INDUSTRIES, NAME_FIRST, NAME_SECOND, OPEN_STAGES, OWNERS, STAGE_BY_KEY, STAGES
from sandbox.salesforce import admin_actions, dml
from sandbox.salesforce.dml import Change
from sandbox.salesforce.objects import ACCOUNT_TYPES
from sandbox.salesforce.store import LIVE, Table
from sandbox.salesforce.values import to_days

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

Mutation = Callable[["SalesforceOrg", random.Random, datetime], dict[str, Any]]


def _live(table: Table, rng: random.Random) -> int | None:
    for _ in range(50):
        row = rng.randrange(len(table)) if len(table) else None
        if row is not None and table.state[row] == LIVE:
            return row
    return None


def _edit(org: SalesforceOrg, table: Table, row: int, values: dict[str, Any]) -> dict[str, Any]:
    owner = table.get(row, "OwnerId") if "OwnerId" in table.columns else None
    dml.apply(org, Change(table, row, values), owner if owner is not None else org.user)
    return {"op": "update", "object": table.definition.name, "id": table.id_of(row), "fields": sorted(values)}


def update_account(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    table = org.table("Account")
    row = _live(table, rng)
    if row is None:
        return {"op": "none"}
    employees = table.get(row, "NumberOfEmployees") or 50
    choices: list[dict[str, Any]] = [
        {"NumberOfEmployees": max(1, int(employees * rng.uniform(0.9, 1.25)))},
        {"Industry": rng.choice(INDUSTRIES)},
        {"Type": rng.choice(ACCOUNT_TYPES[:3])},
        {"OwnerId": rng.randrange(len(OWNERS))},
        {"AnnualRevenue": round((table.get(row, "AnnualRevenue") or 1e6) * rng.uniform(0.9, 1.2))},
    ]
    return _edit(org, table, row, rng.choice(choices))


def update_opportunity(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    table = org.table("Opportunity")
    row = _live(table, rng)
    if row is None:
        return {"op": "none"}
    stage = next((s for s in STAGES if s.label == table.get(row, "StageName")), STAGES[0])
    if stage.is_closed:
        return _edit(
            org, table, row, {"Amount": round((table.get(row, "Amount") or 1000) * rng.uniform(0.95, 1.05), 2)}
        )
    following = (
        STAGES[stage.order + 1].key if stage.order + 1 < len(OPEN_STAGES) else rng.choice(["closed_won", "closed_lost"])
    )
    values: dict[str, Any] = {"StageName": STAGE_BY_KEY[following].label}
    if STAGE_BY_KEY[following].is_closed:
        values["CloseDate"] = to_days(now.date())
    return _edit(org, table, row, values)


def create_account(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    table = org.table("Account")
    owner = rng.randrange(len(OWNERS))
    name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)[0]} {rng.randrange(100, 999)}"
    values = {"Name": name, "Type": "Prospect", "Industry": rng.choice(INDUSTRIES), "OwnerId": owner,
              "NumberOfEmployees": rng.randrange(10, 5000), "BillingCountry": "United States"}  # fmt: skip
    if "CurrencyIsoCode" in table.columns:
        values["CurrencyIsoCode"] = "USD"
    row = dml.apply(org, Change(table, None, values), owner)
    return {"op": "create", "object": "Account", "id": table.id_of(row)}


def create_opportunity(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    accounts, table = org.table("Account"), org.table("Opportunity")
    account = _live(accounts, rng)
    if account is None:
        return {"op": "none"}
    owner = accounts.get(account, "OwnerId")
    values = {
        "AccountId": account, "Name": f"{accounts.get(account, 'Name')} - New Business {now.year}",
        "StageName": STAGES[0].label, "Amount": float(rng.randrange(5, 500) * 1000), "Type": "New Customer",
        "CloseDate": to_days((now + timedelta(days=rng.randrange(20, 120))).date()), "OwnerId": owner,
    }  # fmt: skip
    if "CurrencyIsoCode" in table.columns:
        values["CurrencyIsoCode"] = accounts.get(account, "CurrencyIsoCode") or "USD"
    row = dml.apply(org, Change(table, None, values), owner if owner is not None else org.user)
    return {"op": "create", "object": "Opportunity", "id": table.id_of(row)}


def delete_record(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    table = org.table(rng.choice(("Account", "Opportunity")))
    row = _live(table, rng)
    if row is None:
        return {"op": "none"}
    owner = table.get(row, "OwnerId")
    dml.delete(org, table, row, owner if owner is not None else org.user)
    return {"op": "delete", "object": table.definition.name, "id": table.id_of(row)}


def merge_accounts(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    table = org.table("Account")
    survivor, victim = _live(table, rng), _live(table, rng)
    if survivor is None or victim is None or survivor == victim:
        return {"op": "none"}
    result = admin_actions.merge(org, {"object": "Account", "survivor": table.id_of(survivor),
                                       "victim": table.id_of(victim)})  # fmt: skip
    return {"op": "merge", "object": "Account", **result}


MUTATIONS: Final[tuple[tuple[Mutation, int], ...]] = (
    (update_account, 35), (update_opportunity, 30), (create_account, 8), (create_opportunity, 15),
    (delete_record, 7), (merge_accounts, 5),
)  # fmt: skip


def mutate(org: SalesforceOrg, rng: random.Random, now: datetime) -> dict[str, Any]:
    """One weighted random change; returns what it did."""
    chosen = rng.choices([m for m, _ in MUTATIONS], weights=[w for _, w in MUTATIONS])[0]
    return chosen(org, rng, now)
