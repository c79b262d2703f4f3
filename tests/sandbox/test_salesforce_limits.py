"""The daily API quota, expired sessions and injected faults, as simple-salesforce sees them."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import (
    Salesforce,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.server import Sandbox

from .conftest import sf_login


def test_past_the_daily_quota_calls_are_refused_with_total_requests_limit_exceeded(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    before = sandbox.admin("set_quota", "salesforce")
    sandbox.admin("set_quota", "salesforce", used=14_999, max=15_000)
    try:
        assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
        assert sf.api_usage["api-usage"].used == 15_000
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM User LIMIT 1")
        assert caught.value.content == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]
        with pytest.raises(SalesforceRefusedRequest):
            sf.limits()
    finally:
        sandbox.admin("set_quota", "salesforce", **before)


def test_limits_report_the_quota(sandbox: Sandbox, sf: Salesforce) -> None:
    before = sandbox.admin("set_quota", "salesforce")
    sandbox.admin("set_quota", "salesforce", used=100, max=15_000)
    try:
        assert sf.limits()["DailyApiRequests"] == {"Max": 15_000, "Remaining": 14_899}
    finally:
        sandbox.admin("set_quota", "salesforce", **before)


def test_expired_sessions_raise_expired_session_until_the_client_logs_in_again(
    sandbox: Sandbox, sf: Salesforce, http: requests.Session
) -> None:
    sf.query("SELECT Id FROM User LIMIT 1")
    assert sandbox.admin("expire_sessions", "salesforce")["expired"] >= 1
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM User LIMIT 1")
    assert caught.value.status == 401
    assert caught.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert sf_login(sandbox, http).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_a_made_up_token_and_an_unknown_version_are_refused(sandbox: Sandbox, http: requests.Session) -> None:
    with pytest.raises(SalesforceExpiredSession):
        Salesforce(instance_url=sandbox.sf_url, session_id="00Dnope!AQ", session=http, version="62.0").query(
            "SELECT Id FROM User"
        )
    with pytest.raises(SalesforceResourceNotFound):
        sf_login(sandbox, http).restful("sobjects/NoSuchThing/describe")
    versions = http.get(sandbox.sf_url + "/services/data/").json()
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions
    assert all(v["version"] != "99.0" for v in versions)


@pytest.mark.parametrize(
    ("rule", "error", "status", "code", "message"),
    [
        ({"kind": "server_unavailable"}, SalesforceGeneralError, 503, "SERVER_UNAVAILABLE", None),
        ({"kind": "status", "code": 500}, SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION", None),
        (
            {"kind": "rate_limit"},
            SalesforceRefusedRequest,
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        ),
        ({"kind": "quota"}, SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        ({"kind": "session_expiry"}, SalesforceExpiredSession, 401, "INVALID_SESSION_ID", "Session expired or invalid"),
    ],
)
def test_injected_faults_arrive_in_salesforces_error_shapes(
    sandbox: Sandbox,
    sf: Salesforce,
    rule: dict[str, object],
    error: type[Exception],
    status: int,
    code: str,
    message: str | None,
) -> None:
    sandbox.add_fault(crm="salesforce", path="/services/data/v62.0/query", count=1, **rule)
    with pytest.raises(error) as caught:
        sf.query("SELECT Id FROM User LIMIT 1")
    assert caught.value.status == status  # type: ignore[attr-defined]
    (body,) = caught.value.content  # type: ignore[attr-defined]
    assert body["errorCode"] == code
    assert message is None or body["message"] == message
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
