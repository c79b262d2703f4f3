"""The one table that maps a Salesforce answer (status, error code, message) to what the connector does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import httpx
import requests
from simple_salesforce.exceptions import SalesforceError

from connectors.errors import (
    Action,
    AuthError,
    ConnectorError,
    DataError,
    FatalError,
    QuotaExhaustedError,
    RateLimitedError,
    RetriableError,
)

CONNECTION_ERROR: Final = "CONNECTION_ERROR"


@dataclass(frozen=True, slots=True)
class Failure:
    """A refused or failed call reduced to what the table looks at (`status` None: no HTTP answer)."""

    status: int | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: matches when every given part matches (`None` matches anything)."""

    status: int | None
    code: str | None
    pattern: str | None
    action: Action

    def matches(self, failure: Failure) -> bool:
        """Whether this row applies to `failure`."""
        return (
            (self.status is None or self.status == failure.status)
            and (self.code is None or self.code == failure.code)
            and (self.pattern is None or re.search(self.pattern, failure.message) is not None)
        )


# Read top to bottom; the first matching row wins. OAuth token answers use lower-case codes.
TABLE: Final[tuple[Rule, ...]] = (
    Rule(401, "INVALID_SESSION_ID", None, Action.REAUTH),
    Rule(403, "REQUEST_LIMIT_EXCEEDED", r"TotalRequests Limit exceeded", Action.STOP),
    Rule(403, "REQUEST_LIMIT_EXCEEDED", r"Concurrent\w*.* Limit exceeded", Action.RATE_LIMITED),
    Rule(403, "REQUEST_LIMIT_EXCEEDED", None, Action.STOP),  # an unknown limit: never hammer it
    Rule(None, CONNECTION_ERROR, None, Action.RETRY),
    Rule(503, None, None, Action.RETRY),
    Rule(502, None, None, Action.RETRY),
    Rule(504, None, None, Action.RETRY),
    Rule(500, None, None, Action.RETRY),
    Rule(400, "MALFORMED_QUERY", None, Action.FAIL),
    Rule(400, "INVALID_FIELD", None, Action.FAIL),
    Rule(400, "invalid_grant", None, Action.FAIL),
    Rule(400, "invalid_client", None, Action.FAIL),
    Rule(401, "invalid_client", None, Action.FAIL),
    Rule(400, "unsupported_grant_type", None, Action.FAIL),
    Rule(404, None, None, Action.SKIP),
    Rule(None, None, None, Action.FAIL),
)


def action_for(failure: Failure) -> Action:
    """What to do about `failure`: the first row of `TABLE` that matches it."""
    return next(rule.action for rule in TABLE if rule.matches(failure))


class CallFailed(Exception):
    """Raised by our own (non-SDK) request paths with the failure already read from the answer."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.status} {failure.code}")
        self.failure = failure


def failure_of(exc: BaseException) -> Failure | None:
    """The failure an SDK or transport exception stands for, or None when it is not a Salesforce answer."""
    if isinstance(exc, CallFailed):
        return exc.failure
    if isinstance(exc, httpx.TransportError):
        return Failure(None, CONNECTION_ERROR, type(exc).__name__)
    if isinstance(exc, SalesforceError):
        code, message = first_error(exc.content)
        return Failure(exc.status, code, message)
    if isinstance(exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError):
        return Failure(None, CONNECTION_ERROR, type(exc).__name__)
    return None


def first_error(content: Any) -> tuple[str, str]:
    """(errorCode, message) of Salesforce's `[{"errorCode", "message"}]` body or an OAuth `{"error"}` body."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        entry = content[0]
        return str(entry.get("errorCode") or entry.get("statusCode") or "UNKNOWN"), str(entry.get("message", ""))
    if isinstance(content, dict) and "error" in content:
        return str(content["error"]), str(content.get("error_description") or "")
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
    return "UNKNOWN", text[:300]


_ERRORS: Final[dict[Action, type[ConnectorError]]] = {
    Action.RETRY: RetriableError,
    Action.RATE_LIMITED: RateLimitedError,
    Action.STOP: QuotaExhaustedError,
    Action.REAUTH: AuthError,
    Action.SKIP: DataError,
    Action.FAIL: FatalError,
}


def error_for(connection: str, failure: Failure, action: Action, what: str) -> ConnectorError:
    """The error of the tree the caller sees for `failure`, decided by `action`; `what` names the call."""
    cls = _ERRORS[action]
    message = f"{what}: {failure.message}".rstrip(": ").strip()
    return cls(connection, message, code=failure.code, status=failure.status)
