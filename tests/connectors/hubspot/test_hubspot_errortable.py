"""The one error table: HubSpot's status + category/policy -> action -> error of the connectors' tree."""

from __future__ import annotations

import orjson
import pytest
import urllib3

from connectors.errors import (
    Action,
    AuthError,
    DataError,
    FatalError,
    QuotaExhaustedError,
    RateLimitedError,
    RetriableError,
)
from connectors.hubspot.errortable import action_for, failure_from_body, raise_for, transport_error


def _rate_limit(policy: str) -> bytes:
    message = {"DAILY": "daily", "SECONDLY": "secondly", "TEN_SECONDLY_ROLLING": "ten_secondly_rolling"}[policy]
    return orjson.dumps(
        {
            "status": "error",
            "message": f"You have reached your {message} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "c0ffee",
            "policyName": policy,
            "groupName": "publicapi:x",
        }
    )


def _error(category: str, message: str = "it went wrong") -> bytes:
    return orjson.dumps({"status": "error", "message": message, "correlationId": "c0ffee", "category": category})


@pytest.mark.parametrize(
    ("status", "body", "action", "error"),
    [
        (429, _rate_limit("TEN_SECONDLY_ROLLING"), Action.RATE_LIMITED, RateLimitedError),
        (429, _rate_limit("SECONDLY"), Action.RATE_LIMITED, RateLimitedError),
        (429, _rate_limit("DAILY"), Action.STOP, QuotaExhaustedError),
        (401, _error("INVALID_AUTHENTICATION"), Action.REAUTH, AuthError),
        (403, _error("MISSING_SCOPES"), Action.FAIL, AuthError),
        (400, _error("VALIDATION_ERROR"), Action.FAIL, FatalError),
        (404, b"", Action.SKIP, DataError),
        (409, _error("CONFLICT"), Action.FAIL, FatalError),
        (500, _error("INTERNAL_ERROR"), Action.RETRY, RetriableError),
        (502, b"<html><body>502 Bad Gateway</body></html>", Action.RETRY, RetriableError),
        (503, _error("SERVICE_UNAVAILABLE"), Action.RETRY, RetriableError),
        (504, b"<html>504 Gateway Time-out</html>", Action.RETRY, RetriableError),
        (599, b"", Action.RETRY, RetriableError),
        (418, b"", Action.FAIL, FatalError),
    ],
)
def test_each_answer_maps_to_one_action_and_error(status: int, body: bytes, action: Action, error: type) -> None:
    failure = failure_from_body(status, body)
    assert action_for(failure.status, failure.code) is action
    raised = raise_for("crm-eu", "search companies", failure)
    assert type(raised) is error
    assert str(raised).startswith("crm-eu: ")


def test_the_rate_limit_code_is_the_policy_name_and_the_message_is_kept() -> None:
    failure = failure_from_body(429, _rate_limit("SECONDLY"))
    assert (failure.code, failure.correlation_id) == ("SECONDLY", "c0ffee")
    raised = raise_for("crm", "search deals", failure)
    assert raised.code == "SECONDLY"
    assert "You have reached your secondly limit." in str(raised)
    assert "c0ffee" in str(raised)


def test_validation_errors_keep_hubspots_message() -> None:
    raised = raise_for("crm", "search", failure_from_body(400, _error("VALIDATION_ERROR", "limit must be <= 200")))
    assert "limit must be <= 200" in str(raised)
    assert raised.status == 400


@pytest.mark.parametrize(("header", "expected"), [("2", 2.0), ("0.5", 0.5), ("Wed, 21 Oct 2026 07:28:00 GMT", None)])
def test_retry_after_is_honoured_when_numeric(header: str, expected: float | None) -> None:
    failure = failure_from_body(429, _rate_limit("TEN_SECONDLY_ROLLING"), {"Retry-After": header})
    raised = raise_for("crm", "list", failure)
    assert isinstance(raised, RateLimitedError)
    assert raised.retry_after == expected


def test_dropped_connections_are_retried_and_tls_failures_are_not() -> None:
    dropped = urllib3.exceptions.MaxRetryError(None, "/crm", urllib3.exceptions.ProtocolError("Connection aborted."))
    tls = urllib3.exceptions.MaxRetryError(None, "/crm", urllib3.exceptions.SSLError("certificate verify failed"))
    assert type(raise_for("crm", "list", transport_error(dropped))) is RetriableError
    refused = raise_for("crm", "list", transport_error(tls))
    assert type(refused) is FatalError
    assert "certificate verify failed" in str(refused)
