"""The sandbox's Salesforce org: store, SOQL subset, REST, Bulk API 2.0, Tooling and OAuth."""

from __future__ import annotations

from sandbox.salesforce.app import create_app
from sandbox.salesforce.faults import render_fault
from sandbox.salesforce.ids import make_id
from sandbox.salesforce.org import SalesforceOrg

__all__ = ["SalesforceOrg", "create_app", "make_id", "render_fault"]
