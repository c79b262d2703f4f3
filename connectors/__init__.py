"""Salesforce and HubSpot clients behind one small Protocol: imports config only."""

from __future__ import annotations

from connectors.base import (
    Connector,
    Crm,
    FieldInfo,
    FieldSpec,
    ListsDeleted,
    ObjectSchema,
    Page,
    Position,
    Quota,
    Record,
    RecordUpdate,
    SkippedRecord,
    SlicedReads,
    StreamSpec,
    Window,
    WriteResult,
)
from connectors.budget import ApiBudget
from connectors.directory import Directory
from connectors.domains import normalise_domain
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
from connectors.maps import stream_map
from connectors.people import PEOPLE_KINDS, PeopleKind
from connectors.rows import ISSUES, BadRecord, Merges, Row, StreamMap, require_id
from connectors.rows import Context as RowContext
from connectors.target_lists import TargetListClient, target_list_client

__all__ = [
    "ISSUES",
    "PEOPLE_KINDS",
    "Action",
    "ApiBudget",
    "AuthError",
    "BadRecord",
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
    "ListsDeleted",
    "Merges",
    "ObjectSchema",
    "Page",
    "PeopleKind",
    "Position",
    "ProvisioningError",
    "Quota",
    "QuotaExhaustedError",
    "RateLimitedError",
    "Record",
    "RecordRejectedError",
    "RecordUpdate",
    "RetriableError",
    "Row",
    "RowContext",
    "SkippedRecord",
    "SlicedReads",
    "StopError",
    "StreamMap",
    "StreamSpec",
    "TargetListClient",
    "Window",
    "WriteResult",
    "normalise_domain",
    "require_id",
    "stream_map",
    "target_list_client",
]
