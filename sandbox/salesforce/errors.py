"""The Salesforce half's errors: each one knows the status, code and message Salesforce would answer.

SalesforceError                 root of the package (a SandboxError)
├── ApiError                    answered as [{"message", "errorCode"}] with its HTTP status
│   └── QueryError              SOQL refused (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...)
└── OAuthError                  answered as {"error", "error_description"} by the token endpoint
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import SandboxError


class SalesforceError(SandboxError):
    """Root of every error the Salesforce half raises on purpose."""


class ApiError(SalesforceError):
    """A REST/Bulk/Tooling refusal in Salesforce's list-of-errors shape."""

    def __init__(self, status: int, code: str, message: str, fields: tuple[str, ...] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        super().__init__(f"{status} {code}: {message}")

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = list(self.fields)
        return [entry]


class QueryError(ApiError):
    """A SOQL query refused with 400 and a message pointing at the offending row and column."""

    def __init__(self, code: str, detail: str, soql: str, line: int, col: int) -> None:
        self.detail = detail
        super().__init__(400, code, _point_at(soql, line, col, detail))


class OAuthError(SalesforceError):
    """A token-endpoint refusal: {"error": ..., "error_description": ...}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _point_at(soql: str, line: int, col: int, detail: str) -> str:
    """Salesforce's query error text: the offending stretch of the query, a caret, the position, the reason."""
    lines = soql.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else soql
    start = 0
    if len(text) > 100:
        start = max(0, col - 1 - 60)
        text = text[start : start + 120]
    caret = " " * max(0, col - 1 - start) + "^"
    return f"\n{text}\n{caret}\nERROR at Row:{line}:Column:{col}\n{detail}"


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def total_requests_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def json_parse_error(detail: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", detail)
