"""Account keys across CRMs, from the connectors' traits: explicit link, then domain, else the record alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sync.identity.keys import AccountRecord, assign_keys, merge_values

T = datetime(2026, 10, 1, tzinfo=UTC)


def record(
    crm: str,
    source_id: str,
    *,
    domain: str | None = None,
    link_id: str | None = None,
    merged_into: str | None = None,
    deleted: bool = False,
    name: str | None = None,
) -> AccountRecord:
    connection = "sf" if crm == "salesforce" else "hs"
    values = {"name": name}
    return AccountRecord(connection, crm, source_id, domain, link_id, merged_into, deleted, T, T, None, values)


def test_links_then_domains_then_the_record_alone() -> None:
    records = [
        record("salesforce", "001A", domain="acme.com"),
        record("salesforce", "001B"),
        record("salesforce", "001C", domain="shared.com"),
        record("salesforce", "001D", domain="shared.com"),
        record("hubspot", "11", domain="acme.com"),  # joins 001A by domain
        record("hubspot", "12", link_id="001B", domain="acme.com"),  # its link wins over its domain
        record("hubspot", "13", domain="shared.com"),  # two Salesforce accounts hold it: never guessed
        record("hubspot", "14"),
    ]
    assert assign_keys(records) == {
        ("sf", "001A"): "sf:001A", ("hs", "11"): "sf:001A",
        ("sf", "001B"): "sf:001B", ("hs", "12"): "sf:001B",
        ("sf", "001C"): "sf:001C", ("sf", "001D"): "sf:001D",
        ("hs", "13"): "hs:13", ("hs", "14"): "hs:14",
    }  # fmt: skip


def test_a_salesforce_record_linking_a_hubspot_company_joins_it() -> None:
    records = [record("hubspot", "21"), record("salesforce", "001E", link_id="21")]
    assert set(assign_keys(records).values()) == {"sf:001E"}


def test_a_deleted_salesforce_record_names_the_key_only_when_no_live_one_does() -> None:
    records = [
        record("salesforce", "001F", merged_into="001G", deleted=True),  # merged away: the survivor names it
        record("hubspot", "31"),
        record("salesforce", "001G", link_id="31"),
    ]
    assert set(assign_keys(records).values()) == {"sf:001G"}
    gone = [record("salesforce", "001H", deleted=True), record("salesforce", "001I", deleted=True)]
    assert assign_keys(gone) == {("sf", "001H"): "sf:001H", ("sf", "001I"): "sf:001I"}


def test_a_linked_hubspot_company_is_no_candidate_for_the_domain_rule() -> None:
    records = [
        record("salesforce", "001J", domain="beta.io"),
        record("salesforce", "001K", link_id="41"),
        record("hubspot", "41", domain="beta.io"),  # linked to 001K: 001J stays alone
    ]
    assert assign_keys(records)[("sf", "001J")] == "sf:001J"
    assert assign_keys(records)[("hs", "41")] == "sf:001K"


def test_the_precedence_rule_names_the_crm_whose_value_wins() -> None:
    group = [record("salesforce", "001L", name="Acme Inc"), record("hubspot", "51", name="ACME")]
    assert merge_values(group, {"name": "hubspot"}, "salesforce")["name"] == "ACME"
    assert merge_values(group, {}, "salesforce")["name"] == "Acme Inc"


def test_most_recent_prefers_the_newer_value_and_on_a_tie_the_system_of_record() -> None:
    sf, hs = record("salesforce", "001M", name="Acme Inc"), record("hubspot", "61", name="ACME")
    newer = replace(hs, changed_at={"name": datetime(2026, 10, 2, tzinfo=UTC)})  # a day after T
    assert merge_values([sf, newer], {"name": "most_recent"}, "salesforce")["name"] == "ACME"
    assert merge_values([hs, sf], {"name": "most_recent"}, "salesforce")["name"] == "Acme Inc"  # both at T
