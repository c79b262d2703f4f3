"""Injected faults rendered in Salesforce's own error shapes."""

from __future__ import annotations

from typing import Final

import orjson
from starlette.responses import Response

from sandbox.faults import Fault
from sandbox.salesforce.wire import JSON

TOTAL_REQUESTS: Final = "TotalRequests Limit exceeded."
CONCURRENT: Final = "ConcurrentPerOrgLongTxn Limit exceeded."
UNAVAILABLE: Final = "Server temporarily unavailable. Please try again later."
UNKNOWN: Final = (
    "An unexpected error occurred. Please include this ErrorId if you contact support: 1902870386-52210 (-1416287745)"
)
_BY_STATUS: Final = {
    400: ("INVALID_INPUT", "The request could not be processed."),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", CONCURRENT),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    500: ("UNKNOWN_EXCEPTION", UNKNOWN),
}


def render_fault(fault: Fault) -> Response:
    """The response Salesforce gives for the fault: 503 SERVER_UNAVAILABLE, 401, 403 (two messages), 500."""
    status, code, message = _shape(fault)
    body = orjson.dumps([{"message": fault.message or message, "errorCode": code}])
    return Response(body, status, media_type=JSON)


def _shape(fault: Fault) -> tuple[int, str, str]:
    if fault.kind == "quota":
        return 403, "REQUEST_LIMIT_EXCEEDED", TOTAL_REQUESTS
    if fault.kind == "rate_limit":
        return 403, "REQUEST_LIMIT_EXCEEDED", CONCURRENT
    if fault.kind == "session_expiry":
        return 401, "INVALID_SESSION_ID", "Session expired or invalid"
    status = fault.code or 503
    if fault.kind == "server_unavailable" or status >= 501:
        return status if fault.kind == "status" else 503, "SERVER_UNAVAILABLE", UNAVAILABLE
    code, message = _BY_STATUS.get(status, ("UNKNOWN_EXCEPTION", UNKNOWN) if status >= 500 else ("INVALID_INPUT", ""))
    return status, code, message
