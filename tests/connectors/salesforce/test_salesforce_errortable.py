"""The one error table: each Salesforce answer maps to one action, and actions to the error tree."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

from connectors.errors import (
    Action,
    AuthError,
    DataError,
    FatalError,
    QuotaExhaustedError,
    RateLimitedError,
    RetriableError,
)
from connectors.salesforce.errortable import CONNECTION_ERROR, Failure, action_for, error_for, failure_of


@pytest.mark.parametrize(
    ("status", "code", "message", "action"),
    [
        (503, "SERVER_UNAVAILABLE", "Server unavailable", Action.RETRY),
        (500, "UNKNOWN_EXCEPTION", "An unexpected error occurred", Action.RETRY),
        (None, CONNECTION_ERROR, "ConnectionError", Action.RETRY),
        (401, "INVALID_SESSION_ID", "Session expired or invalid", Action.REAUTH),
        (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", Action.STOP),
        (403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded", Action.RATE_LIMITED),
        (
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            Action.RATE_LIMITED,
        ),
        (400, "MALFORMED_QUERY", "unexpected token", Action.FAIL),
        (400, "INVALID_FIELD", "No such column 'Foo__c' on entity 'Account'", Action.FAIL),
        (404, "NOT_FOUND", "The requested resource does not exist", Action.SKIP),
        (400, "invalid_grant", "authentication failure", Action.FAIL),
        (418, "SOMETHING_NEW", "never seen", Action.FAIL),
    ],
)
def test_each_answer_maps_to_one_action(status: int | None, code: str, message: str, action: Action) -> None:
    assert action_for(Failure(status, code, message)) is action


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (Action.RETRY, RetriableError),
        (Action.RATE_LIMITED, RateLimitedError),
        (Action.STOP, QuotaExhaustedError),
        (Action.REAUTH, AuthError),
        (Action.SKIP, DataError),
        (Action.FAIL, FatalError),
    ],
)
def test_actions_raise_errors_of_the_tree(action: Action, error: type[Exception]) -> None:
    made = error_for("prod-sf", Failure(403, "X", "why"), action, "query Account")
    assert type(made) is error
    assert str(made) == "prod-sf: query Account: why (X)"


def test_sdk_exceptions_and_dropped_connections_become_failures() -> None:
    expired = SalesforceExpiredSession("u", 401, "query", [{"errorCode": "INVALID_SESSION_ID", "message": "gone"}])
    assert failure_of(expired) == Failure(401, "INVALID_SESSION_ID", "gone")
    refused = SalesforceRefusedRequest("u", 403, "q", [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "m"}])
    assert failure_of(refused) == Failure(403, "REQUEST_LIMIT_EXCEEDED", "m")
    assert failure_of(requests.ConnectionError("reset")) == Failure(None, CONNECTION_ERROR, "ConnectionError")
    assert failure_of(ValueError("ours")) is None
