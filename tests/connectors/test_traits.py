"""Each CRM's traits: what sync asks a connector instead of naming its CRM."""

from __future__ import annotations

import pytest

from connectors import ALL_TRAITS, id_matching, traits
from connectors.hubspot.writer import BATCH_SIZE
from connectors.salesforce.writer import COLLECTION_SIZE


def test_each_crm_declares_its_write_batch_as_its_writer_sends_it() -> None:
    assert (traits("salesforce").write_batch, traits("hubspot").write_batch) == (200, 100)
    assert (COLLECTION_SIZE, BATCH_SIZE) == (200, 100)


def test_the_explicit_link_of_each_crm_points_into_the_other() -> None:
    assert {t.crm: t.links_to for t in ALL_TRAITS} == {"salesforce": "hubspot", "hubspot": "salesforce"}


def test_salesforce_names_the_account_key_before_hubspot() -> None:
    assert sorted((t.key_rank, t.key_prefix) for t in ALL_TRAITS) == [(0, "sf"), (1, "hs")]


@pytest.mark.parametrize(
    ("match_by", "typed", "matched"),
    [
        ("salesforce_id", "0015g00000AbCdEAAZ", "0015g00000AbCdE"),  # 18 characters: the 15 before the checksum
        ("salesforce_id", "0015g00000AbCdE", "0015g00000AbCdE"),
        ("salesforce_id", "0015g00000AbCdEA", None),  # 16 characters is neither
        ("salesforce_id", "0015g00000AbC-E", None),
        ("hubspot_id", "9001", "9001"),
        ("hubspot_id", "9001.0", "9001"),  # a spreadsheet's float
        ("hubspot_id", "9001.5", None),
        ("hubspot_id", "abc", None),
    ],
)
def test_a_typed_id_is_read_as_its_crm_reads_it(match_by: str, typed: str, matched: str | None) -> None:
    found = id_matching(match_by)
    assert found is not None
    assert found.id_match.typed(typed) == matched


def test_a_stored_salesforce_id_matches_in_its_15_character_form() -> None:
    assert traits("salesforce").id_match.stored("0015g00000AbCdEAAZ") == "0015g00000AbCdE"
    assert traits("hubspot").id_match.stored("9001") == "9001"


def test_domain_and_key_matching_name_no_crm() -> None:
    assert id_matching("domain") is None
    assert id_matching("account_key") is None


def test_a_crm_without_a_connector_is_refused() -> None:
    with pytest.raises(ValueError, match="no connector for CRM 'pipedrive'"):
        traits("pipedrive")
