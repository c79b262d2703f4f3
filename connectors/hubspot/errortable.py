"""The one table that turns a HubSpot answer (status + category or policy) into an Action and an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
import urllib3

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

__all__ = ["ERROR_TABLE", "Failure", "action_for", "failure_from_body", "raise_for", "transport_error"]

# (status, CRM code) -> Action; the code is `policyName` for 429s, else `category`; None matches any code.
ERROR_TABLE: Final[Mapping[tuple[int, str | None], Action]] = {
    (429, "TEN_SECONDLY_ROLLING"): Action.RATE_LIMITED,
    (429, "SECONDLY"): Action.RATE_LIMITED,
    (429, "DAILY"): Action.STOP,
    (429, None): Action.RATE_LIMITED,
    (401, None): Action.REAUTH,
    (403, None): Action.FAIL,
    (400, "VALIDATION_ERROR"): Action.FAIL,
    (400, None): Action.FAIL,
    (404, None): Action.SKIP,
    (409, None): Action.FAIL,
    (423, None): Action.RETRY,
    (500, None): Action.RETRY,
    (502, None): Action.RETRY,
    (503, None): Action.RETRY,
    (504, None): Action.RETRY,
    (0, "TRANSPORT"): Action.RETRY,
    (0, "TLS"): Action.FAIL,
}


@dataclass(frozen=True, slots=True)
class Failure:
    """A refused call as HubSpot described it; never carries the token."""

    status: int
    code: str | None
    message: str
    correlation_id: str | None = None
    retry_after: float | None = None


def action_for(status: int, code: str | None) -> Action:
    """The table's action for a status and CRM code: exact row, then any-code row, then by status class."""
    exact = ERROR_TABLE.get((status, code))
    if exact is not None:
        return exact
    by_status = ERROR_TABLE.get((status, None))
    if by_status is not None:
        return by_status
    return Action.RETRY if status >= 500 else Action.FAIL


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None  # an HTTP-date: rare for HubSpot; exponential backoff applies


def failure_from_body(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Failure:
    """Read HubSpot's error body (`category`, or `policyName` on 429s) into a Failure."""
    data: Any = None
    if isinstance(body, bytes | str) and body:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None
    elif isinstance(body, Mapping):
        data = body
    if not isinstance(data, Mapping):
        return Failure(status, None, f"HTTP {status} without a JSON body", None, _retry_after(headers))
    code = data.get("policyName") if data.get("errorType") == "RATE_LIMIT" else data.get("category")
    message = str(data.get("message") or f"HTTP {status}")
    return Failure(status, code, message, data.get("correlationId"), _retry_after(headers))


def transport_error(exc: urllib3.exceptions.HTTPError) -> Failure:
    """A connection, TLS or protocol failure (the SDK lets urllib3's errors through)."""
    reason = getattr(exc, "reason", None) or exc
    is_tls = isinstance(reason, urllib3.exceptions.SSLError)
    return Failure(0, "TLS" if is_tls else "TRANSPORT", f"{type(reason).__name__}: {reason}")


def raise_for(connection: str, operation: str, failure: Failure) -> ConnectorError:
    """The connectors' error for a failure, chosen by the table's action (returned, for `raise ... from`)."""
    action = action_for(failure.status, failure.code)
    where = f"{operation}: {failure.message}"
    if failure.correlation_id:
        where += f" [correlationId {failure.correlation_id}]"
    kwargs: dict[str, Any] = {"code": failure.code, "status": failure.status or None}
    if action is Action.RATE_LIMITED:
        return RateLimitedError(connection, where, retry_after=failure.retry_after, **kwargs)
    if action is Action.RETRY:
        return RetriableError(connection, where, retry_after=failure.retry_after, **kwargs)
    if action is Action.STOP:
        return QuotaExhaustedError(connection, f"{where}: daily API limit reached, stopping", **kwargs)
    if action is Action.REAUTH:
        # A private app token cannot be refreshed: a 401 means the token is wrong, revoked or rotated.
        return AuthError(
            connection, f"{operation}: HubSpot refused the private app token ({failure.message})", **kwargs
        )
    if action is Action.SKIP:
        return DataError(connection, where, **kwargs)
    if failure.status == 403:
        return AuthError(connection, f"{where}: the private app lacks a scope", **kwargs)
    return FatalError(connection, where, **kwargs)
