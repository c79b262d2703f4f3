"""The org object itself: ids, world mapping, admin actions, the mutator's changes, persistence."""

from __future__ import annotations

import pickle
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.salesforce import SalesforceOrg, make_id
from sandbox.salesforce.build import build
from sandbox.salesforce.ids import canonical, suffix
from sandbox.salesforce.query import plan, run
from sandbox.world import WorldSpec, companies, deals

SPEC = WorldSpec(seed=5, accounts=80, now=datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def org() -> SalesforceOrg:
    return SalesforceOrg.from_world(SPEC)


def rows(org: SalesforceOrg, soql: str, include_deleted: bool = False) -> list[int]:
    return list(run(plan(soql, org.by_name, include_deleted), org.by_name, datetime.now(UTC)))


def test_ids_are_18_characters_with_the_case_checksum_and_their_object_prefix() -> None:
    record_id = make_id("001", 123_456)
    assert len(record_id) == 18
    assert record_id.startswith("001")
    assert record_id[15:] == suffix(record_id[:15])
    assert canonical(record_id.lower()) == record_id == canonical(record_id[:15])
    assert canonical("001nope") is None


def test_accounts_keep_the_world_index_in_their_id_so_both_crms_agree() -> None:
    tables = build(SPEC)
    accounts = tables["Account"]
    for company in companies(SPEC):
        row = accounts.row_of(make_id("001", company.index))
        assert (row is not None) == company.in_salesforce
        if row is not None:
            assert accounts.get(row, "Name") == company.name


def test_only_salesforce_deals_become_opportunities_with_their_history_and_lines() -> None:
    tables = build(SPEC)
    expected = [d for c in companies(SPEC) if c.in_salesforce for d in deals(SPEC, c) if d.crm == "salesforce"]
    assert len(tables["Opportunity"]) == len(expected)
    assert len(tables["OpportunityHistory"]) == sum(len(d.history) for d in expected)
    assert len(tables["OpportunityLineItem"]) == sum(len(d.line_items) for d in expected)


def test_deleting_an_account_deletes_its_opportunities(org: SalesforceOrg) -> None:
    opportunities = org.table("Opportunity")
    opp = rows(org, "SELECT Id FROM Opportunity LIMIT 1")[0]
    account_row = opportunities.get(opp, "AccountId")
    account_id = org.table("Account").id_of(account_row)
    org.apply_admin("delete", {"object": "Account", "ids": [account_id]})
    left = rows(org, f"SELECT Id FROM Opportunity WHERE AccountId = '{account_id}'")
    gone = rows(org, f"SELECT Id FROM Opportunity WHERE AccountId = '{account_id}'", include_deleted=True)
    assert left == []
    assert opp in gone


def test_merge_moves_opportunities_to_the_survivor_and_deletes_the_victim_with_its_master(org: SalesforceOrg) -> None:
    opportunities = org.table("Opportunity")
    opp = rows(org, "SELECT Id FROM Opportunity LIMIT 1")[0]
    accounts = org.table("Account")
    victim = accounts.id_of(opportunities.get(opp, "AccountId"))
    survivor = next(accounts.id_of(r) for r in rows(org, "SELECT Id FROM Account") if accounts.id_of(r) != victim)
    org.apply_admin("merge", {"object": "Account", "survivor": survivor, "victim": victim})
    assert opportunities.get(opp, "AccountId") == accounts.row_of(survivor)
    merged = org.apply_admin("get", {"object": "Account", "id": victim})
    assert merged["_state"] == "deleted"
    assert merged["MasterRecordId"] == survivor
    assert merged["IsDeleted"] is True


def test_hard_deleted_records_vanish_even_from_query_all(org: SalesforceOrg) -> None:
    record = org.apply_admin("create", {"object": "Account", "fields": {"Name": "Purge Me"}})["id"]
    org.apply_admin("delete", {"object": "Account", "ids": [record]})
    assert rows(org, f"SELECT Id FROM Account WHERE Id = '{record}'", include_deleted=True)
    org.apply_admin("hard_delete", {"object": "Account", "ids": [record]})
    assert rows(org, f"SELECT Id FROM Account WHERE Id = '{record}'", include_deleted=True) == []


def test_unknown_admin_actions_and_records_raise_key_error(org: SalesforceOrg) -> None:
    with pytest.raises(KeyError):
        org.apply_admin("explode", {})
    with pytest.raises(KeyError):
        org.apply_admin("get", {"object": "Account", "id": make_id("001", 99_999)})


def test_random_mutations_change_the_org_and_say_what_they_did(org: SalesforceOrg) -> None:
    rng = random.Random(3)
    before = org.snapshot()["objects"]
    done = [org.mutate_random(rng, datetime.now(UTC)) for _ in range(300)]
    kinds = {d["op"] for d in done}
    assert {"update", "create", "delete", "merge"} <= kinds
    after = org.snapshot()["objects"]
    assert after["Account"] != before["Account"]
    assert after["Opportunity"] != before["Opportunity"]
    stamps = [
        org.apply_admin("get", {"object": d["object"], "id": d["id"]})["SystemModstamp"]
        for d in done
        if d["op"] == "update"
    ]
    assert all(s.startswith(str(datetime.now(UTC).year)) for s in stamps)


def test_the_org_pickles_and_keeps_working_after_loading(org: SalesforceOrg) -> None:
    org.apply_admin("create", {"object": "Account", "fields": {"Name": "Persisted Co"}})
    loaded: Any = pickle.loads(pickle.dumps(org))  # noqa: S301 - our own bytes, as persist.py does
    found = rows(loaded, "SELECT Id, IsWon, Probability FROM Opportunity WHERE Account.Name != null LIMIT 5")
    assert len(found) == 5
    assert rows(loaded, "SELECT Id FROM Account WHERE Name = 'Persisted Co'")
    loaded.mutate_random(random.Random(1), datetime.now(UTC))
