"""Salesforce and HubSpot clients behind one small Protocol: imports config only."""

from __future__ import annotations

from connectors.base import (
    Connector,
    ConnectorTraits,
    Crm,
    FieldInfo,
    FieldSpec,
    IdMatch,
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
from connectors.traits import ALL_TRAITS, id_matching, traits

__all__ = [
    "ALL_TRAITS",
    "ISSUES",
    "PEOPLE_KINDS",
    "Action",
    "ApiBudget",
    "AuthError",
    "BadRecord",
    "BudgetExceededError",
    "Connector",
    "ConnectorError",
    "ConnectorTraits",
    "Crm",
    "DataError",
    "Directory",
    "FatalError",
    "FieldInfo",
    "FieldMissingError",
    "FieldSpec",
    "IdMatch",
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
    "id_matching",
    "normalise_domain",
    "require_id",
    "stream_map",
    "target_list_client",
    "traits",
]
