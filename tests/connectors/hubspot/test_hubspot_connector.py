"""The connector as sync/ sees it: the protocol, its streams, its quota, and no secret anywhere."""

from __future__ import annotations

from connectors.base import Connector
from connectors.hubspot import HubSpotConnector


def test_the_connector_implements_the_protocol_and_builds_no_client_per_call(shared_sandbox, connector) -> None:
    hs: Connector = connector(shared_sandbox)
    assert isinstance(hs, Connector)
    assert isinstance(hs, HubSpotConnector)
    apis = hs.apis
    hs.describe("companies")
    hs.describe("deals")
    assert hs.apis is apis
    assert hs.apis.objects.api_client is apis.objects.api_client


def test_streams_carry_the_default_properties_and_the_link_property(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox, conn={"link_property": "salesforce_account_id"})
    companies, deals, pipelines = hs.streams(["companies", "deals", "pipelines"])
    assert (companies.primary_key, companies.cursor_field) == ("id", "hs_lastmodifieddate")
    assert {"name", "domain", "annualrevenue", "hs_merged_object_ids", "salesforce_account_id"} <= set(companies.fields)
    assert {"dealstage", "pipeline", "amount", "hs_v2_date_entered_closedwon"} <= set(deals.fields)
    assert pipelines.cursor_field is None
    assert hs.missing_fields == {"companies": {}, "deals": {}}


def test_the_quota_comes_from_the_daily_headers(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    assert hs.quota().calls == 0
    hs.describe("companies")
    quota = hs.quota()
    assert quota.calls == 1
    assert quota.limit is not None
    assert quota.used is not None
    assert quota.used <= quota.limit


def test_the_token_appears_in_no_repr(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    token = shared_sandbox.credentials.hs_token
    assert token not in repr(hs)
    assert token not in repr(hs.connection)
    assert token not in repr(hs.apis)
