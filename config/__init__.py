"""Settings and the config file's models: imports nothing else of accountsync."""

from __future__ import annotations

from config.account_mapping import AccountMapping, RoleRule
from config.errors import ConfigError, ConfigFileError, ConfigInvalid, LocatedError
from config.loader import Document, format_path, load_deployment, parse_document
from config.models import (
    Currency,
    Deployment,
    EnrichmentSource,
    HealthWeights,
    HubSpotConnection,
    IcpRule,
    Job,
    SalesforceConnection,
    ScoreWeights,
    Scoring,
    Source,
    Tiers,
    WritebackTarget,
)
from config.reference import reference_markdown
from config.schema import json_schema
from config.settings import Settings, load_settings
from config.vocabulary import Vocabulary

__all__ = [
    "AccountMapping",
    "ConfigError",
    "ConfigFileError",
    "ConfigInvalid",
    "Currency",
    "Deployment",
    "Document",
    "EnrichmentSource",
    "HealthWeights",
    "HubSpotConnection",
    "IcpRule",
    "Job",
    "LocatedError",
    "RoleRule",
    "SalesforceConnection",
    "ScoreWeights",
    "Scoring",
    "Settings",
    "Source",
    "Tiers",
    "Vocabulary",
    "WritebackTarget",
    "format_path",
    "json_schema",
    "load_deployment",
    "load_settings",
    "parse_document",
    "reference_markdown",
]
