"""Salesforce and HubSpot clients behind one small Protocol: imports config only."""

from __future__ import annotations

from connectors.base import (
    Connector,
    Crm,
    FieldInfo,
    FieldSpec,
    ObjectSchema,
    Page,
    Position,
    Quota,
    Record,
    RecordUpdate,
    SkippedRecord,
    StreamSpec,
    Window,
    WriteResult,
)
from connectors.budget import ApiBudget
from connectors.directory import Directory
from connectors.errors import (
    Action,
    AuthError,
    BudgetExceededError,
    ConnectorError,
    DataError,
    FatalError,
    FieldMissingError,
    ProvisioningError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordRejectedError,
    RetriableError,
    StopError,
)

__all__ = [
    "Action",
    "ApiBudget",
    "AuthError",
    "BudgetExceededError",
    "Connector",
    "ConnectorError",
    "Crm",
    "DataError",
    "Directory",
    "FatalError",
    "FieldInfo",
    "FieldMissingError",
    "FieldSpec",
    "ObjectSchema",
    "Page",
    "Position",
    "ProvisioningError",
    "Quota",
    "QuotaExhaustedError",
    "RateLimitedError",
    "Record",
    "RecordRejectedError",
    "RecordUpdate",
    "RetriableError",
    "SkippedRecord",
    "StopError",
    "StreamSpec",
    "Window",
    "WriteResult",
]
