"""The HubSpot half's error tree and HubSpot's own error bodies.

HubSpotError
 ├── ApiError            a request HubSpot refuses: rendered as `{"status": "error", "message",
 │    │                  "correlationId", "category", ...}` with its HTTP status
 │    ├── ValidationError      400 VALIDATION_ERROR (bad body, limits, unknown or invalid property values)
 │    ├── ObjectNotFound       404 OBJECT_NOT_FOUND (or HubSpot's empty 404 body on single reads)
 │    ├── Conflict             409 CONFLICT (a unique value taken, a record locked by another write)
 │    └── AlreadyExists        409 OBJECT_ALREADY_EXISTS (property or property group name taken)
 └── RateLimited         429 with `errorType: RATE_LIMIT`, a `policyName` instead of `category`, and `requestId`
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import orjson

__all__ = [
    "AlreadyExists",
    "ApiError",
    "Conflict",
    "HubSpotError",
    "ObjectNotFound",
    "PropertyIssue",
    "RateLimited",
    "ValidationError",
    "new_correlation_id",
    "property_values_error",
]


def new_correlation_id() -> str:
    """A fresh correlation id, a UUID like HubSpot's."""
    return str(uuid.uuid4())


class HubSpotError(Exception):
    """Root of every error the HubSpot half raises on purpose."""


class ApiError(HubSpotError):
    """A refusal rendered in HubSpot's standard error shape."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        context: dict[str, list[str]] | None = None,
        sub_category: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        empty_body: bool = False,
    ) -> None:
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.sub_category = sub_category
        self.errors = errors
        self.empty_body = empty_body
        super().__init__(f"{status} {category}: {message}")

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON body HubSpot answers with (key order as HubSpot writes it)."""
        out: dict[str, Any] = {"status": "error", "message": self.message, "correlationId": correlation_id}
        if self.context is not None:
            out["context"] = self.context
        out["category"] = self.category
        if self.sub_category is not None:
            out["subCategory"] = self.sub_category
        if self.errors is not None:
            out["errors"] = self.errors
        return out

    def encoded(self, correlation_id: str) -> bytes:
        """The body as bytes (empty for HubSpot's bodiless 404s)."""
        return b"" if self.empty_body else orjson.dumps(self.body(correlation_id))


class ValidationError(ApiError):
    """400 VALIDATION_ERROR; `errors[]` names each bad input (`in`: the field or parameter), as HubSpot does."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        if kwargs.get("errors") is None:
            context = kwargs.get("context") or {}
            kwargs["errors"] = [{"message": message, "in": name} for name in context] or [{"message": message}]
        super().__init__(400, "VALIDATION_ERROR", message, **kwargs)


class ObjectNotFound(ApiError):
    """404 OBJECT_NOT_FOUND; `empty_body=True` for the v3 single-object read, which has no body."""

    def __init__(self, message: str = "resource not found", **kwargs: Any) -> None:
        super().__init__(404, "OBJECT_NOT_FOUND", message, **kwargs)


class Conflict(ApiError):
    """409 CONFLICT."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(409, "CONFLICT", message, **kwargs)


class AlreadyExists(ApiError):
    """409 OBJECT_ALREADY_EXISTS (a property or property group name that is taken)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(409, "OBJECT_ALREADY_EXISTS", message, **kwargs)


class RateLimited(HubSpotError):
    """A 429: `policy` is TEN_SECONDLY_ROLLING, SECONDLY or DAILY."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "SECONDLY": "You have reached your secondly limit.",
        "DAILY": "You have reached your daily limit.",
    }

    def __init__(self, policy: str, group_name: str, headers: dict[str, str] | None = None) -> None:
        self.policy = policy
        self.group_name = group_name
        self.headers = headers or {}
        super().__init__(self.MESSAGES[policy])

    def body(self, correlation_id: str) -> dict[str, Any]:
        return {
            "status": "error",
            "message": self.MESSAGES[self.policy],
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id,
            "policyName": self.policy,
            "groupName": self.group_name,
            "requestId": new_correlation_id(),
        }


class PropertyIssue:
    """One entry of HubSpot's `Property values were not valid: [...]` list."""

    __slots__ = ("code", "message", "name")

    def __init__(self, name: str, code: str, message: str) -> None:
        self.name = name
        self.code = code
        self.message = message

    def as_json(self, portal_id: int) -> dict[str, Any]:
        return {
            "isValid": False,
            "message": self.message,
            "error": self.code,
            "name": self.name,
            "localizedErrorMessage": self.message,
            "portalId": portal_id,
        }


def property_values_error(issues: list[PropertyIssue], portal_id: int) -> ValidationError:
    """HubSpot's 400 for writes with unknown or invalid property values.

    The list is embedded as a JSON string in the message, exactly as HubSpot does; `errors[]` repeats each
    issue with the property it is `in`.
    """
    listing = orjson.dumps([issue.as_json(portal_id) for issue in issues]).decode()
    errors = [{"message": issue.message, "code": issue.code, "in": issue.name} for issue in issues]
    return ValidationError(f"Property values were not valid: {listing}", errors=errors)
