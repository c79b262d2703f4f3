"""Against the sandbox: every grant, the re-login after expiry, 503 bursts, the daily quota and the budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.base import Window
from connectors.budget import ApiBudget
from connectors.errors import AuthError, BudgetExceededError, QuotaExhaustedError
from connectors.salesforce import SalesforceConnector, connect

from .conftest import FAST_RETRY, NOW, SfConn

SF = "salesforce"


def _account_count(connector: SalesforceConnector) -> int:
    [spec] = connector.streams(["Account"])
    count = connector.count(spec, Window(None, NOW))
    assert count is not None
    return count


@pytest.mark.parametrize("auth", ["jwt", "client_credentials", "refresh_token"])
def test_each_grant_logs_in_and_reads(sandbox: Any, sf_conn: SfConn, auth: str) -> None:
    extra: dict[str, Any] = {}
    if auth == "refresh_token":
        extra["refresh_token"] = SecretStr(sandbox.admin("issue_refresh_token", SF)["refresh_token"])
    connector = connect("sandbox-sf", sf_conn(auth, **extra), retry=FAST_RETRY)
    try:
        assert _account_count(connector) > 0
        assert connector.org.logins == 1
    finally:
        connector.close()


def test_a_wrong_secret_is_an_auth_error_naming_the_connection_not_the_secret(sf_conn: SfConn) -> None:
    conn = sf_conn("client_credentials", client_secret=SecretStr("not-the-secret-0123456789"))
    connector = connect("sandbox-sf", conn, retry=FAST_RETRY)
    with pytest.raises(AuthError) as caught:
        _account_count(connector)
    connector.close()
    assert caught.value.code == "invalid_client"
    assert str(caught.value).startswith("sandbox-sf: ")
    assert "not-the-secret" not in str(caught.value)


def test_expired_sessions_are_logged_in_again_once(sandbox: Any, sf: SalesforceConnector) -> None:
    before = _account_count(sf)
    sandbox.admin("expire_sessions", SF)
    assert _account_count(sf) == before
    assert sf.org.logins == 2


def test_a_session_refused_again_after_the_relogin_is_an_auth_error(sandbox: Any, sf: SalesforceConnector) -> None:
    _account_count(sf)
    sandbox.add_fault(crm=SF, kind="session_expiry", path="/services/data/v62.0/query")
    with pytest.raises(AuthError) as caught:
        _account_count(sf)
    assert caught.value.code == "INVALID_SESSION_ID"
    assert sf.org.logins == 2


def test_a_503_burst_is_retried(sandbox: Any, sf: SalesforceConnector) -> None:
    before = _account_count(sf)
    sandbox.add_fault(crm=SF, kind="server_unavailable", path="/services/data/v62.0/query", count=3)
    calls = sf.quota().calls
    assert _account_count(sf) == before
    assert sf.quota().calls - calls == 1 + 1 + 3  # describeGlobal (describe is cached), the count, 3 retries


@pytest.fixture
def spent_quota(sandbox: Any) -> Iterator[None]:
    sandbox.admin("set_quota", SF, used=100_000, max=100_000)
    yield
    sandbox.admin("set_quota", SF, used=0, max=100_000)


def test_the_daily_quota_stops_the_job_at_once_without_retrying(sf: SalesforceConnector, spent_quota: None) -> None:
    with pytest.raises(QuotaExhaustedError) as caught:
        _account_count(sf)
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert sf.quota().calls == 1  # the first call was refused, and never repeated


def test_the_budget_stops_before_the_share_is_passed(sandbox: Any, sf_conn: SfConn) -> None:
    sandbox.admin("set_quota", SF, used=0, max=1000)
    try:
        budget = ApiBudget(connection="sandbox-sf", share=0.004)  # 4 of 1,000 calls
        connector = connect("sandbox-sf", sf_conn(), budget=budget, retry=FAST_RETRY)
        _account_count(connector)  # describeGlobal, describe, count: 3 calls
        with pytest.raises(BudgetExceededError):
            _account_count(connector)  # describeGlobal passes (4): the count would be the 5th
        assert connector.quota().calls == 4
        assert connector.quota().limit == 1000
        connector.close()
    finally:
        sandbox.admin("set_quota", SF, used=0, max=100_000)
