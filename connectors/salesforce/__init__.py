"""Salesforce connector: simple-salesforce on our own `requests.Session`, REST, Bulk 2.0 and Tooling."""

from __future__ import annotations

from connectors.salesforce.bulk import BulkSettings
from connectors.salesforce.connector import SalesforceConnector, connect
from connectors.salesforce.errortable import TABLE, action_for
from connectors.salesforce.metadata_package import write_metadata_package
from connectors.salesforce.provisioning import FieldsRefusedError
from connectors.salesforce.session import RetryPolicy

__all__ = [
    "TABLE",
    "BulkSettings",
    "FieldsRefusedError",
    "RetryPolicy",
    "SalesforceConnector",
    "action_for",
    "connect",
    "write_metadata_package",
]
