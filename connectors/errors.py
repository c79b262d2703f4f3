"""Errors of the connectors, grouped by what the caller should do.

ConnectorError                  root; `connection` names the connection, never a secret
 ├── RetriableError             transient (5xx, dropped connection, per-second limits): retried with backoff
 │    └── RateLimitedError      a short rate window is full (HubSpot TEN_SECONDLY_ROLLING / SECONDLY, SF concurrency)
 ├── StopError                  stop the job checkpointed; the next run resumes
 │    ├── QuotaExhaustedError   the CRM's daily quota is spent (SF TotalRequests, HubSpot DAILY)
 │    └── BudgetExceededError   the job would pass its configured share of the quota
 ├── FatalError                 fix something, then rerun
 │    ├── AuthError             login refused, or a second 401 after a re-login
 │    └── ProvisioningError     a target field cannot be created or has an incompatible type
 └── DataError                  one record or field is bad; the rest goes on
      ├── FieldMissingError     a mapped field does not exist (schema drift)
      └── RecordRejectedError   the CRM refused one record
"""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    """What to do with an error, decided in one table per CRM."""

    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REAUTH = "reauth"
    STOP = "stop"
    SKIP = "skip"
    FAIL = "fail"


class ConnectorError(Exception):
    """Root of the connectors' errors."""

    def __init__(self, connection: str, message: str, *, code: str | None = None, status: int | None = None) -> None:
        self.connection = connection
        self.code = code
        self.status = status
        self.detail = message
        prefix = f"{connection}: " if connection else ""
        suffix = f" ({code})" if code else ""
        super().__init__(f"{prefix}{message}{suffix}")


class RetriableError(ConnectorError):
    """A transient failure: retry with backoff and jitter."""

    def __init__(
        self,
        connection: str,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(connection, message, code=code, status=status)
        self.retry_after = retry_after


class RateLimitedError(RetriableError):
    """A short rate window is full."""


class StopError(ConnectorError):
    """Stop the job at its checkpoint; a later run resumes."""


class QuotaExhaustedError(StopError):
    """The CRM's daily API quota is spent: never sleep on it."""


class BudgetExceededError(StopError):
    """The job would pass its share of the daily quota."""

    def __init__(self, connection: str, used: int, allowed: int) -> None:
        super().__init__(connection, f"API budget reached: {used} calls used of {allowed} allowed for this job")
        self.used = used
        self.allowed = allowed


class FatalError(ConnectorError):
    """Cannot go on until something is fixed."""


class AuthError(FatalError):
    """Login refused, or refused again after a re-login."""


class ProvisioningError(FatalError):
    """A write-back field cannot be created, or exists with an incompatible type."""


class DataError(ConnectorError):
    """One record or field is bad; the rest goes on."""


class FieldMissingError(DataError):
    """A mapped field no longer exists on the object (schema drift)."""

    def __init__(self, connection: str, obj: str, field: str) -> None:
        super().__init__(connection, f"field `{field}` does not exist on {obj}", code="FIELD_MISSING")
        self.object = obj
        self.field = field


class RecordRejectedError(DataError):
    """The CRM refused one record."""
