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


def test_a_stored_salesforce_id_matches_in_its_15_character_form() -> None:
    assert traits("salesforce").id_match.stored("0015g00000AbCdEAAZ") == "0015g00000AbCdE"
    assert traits("hubspot").id_match.stored("9001") == "9001"


def test_domain_and_key_matching_name_no_crm() -> None:
    assert id_matching("domain") is None
    assert id_matching("account_key") is None


def test_a_crm_without_a_connector_is_refused() -> None:
    with pytest.raises(ValueError, match="no connector for CRM 'pipedrive'"):
        traits("pipedrive")
