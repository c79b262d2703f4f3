"""Build the connectors a job needs from the deployment's connections."""

from __future__ import annotations

from config import Deployment, HubSpotConnection, Job, SalesforceConnection
from connectors import ApiBudget, Connector
from connectors.hubspot import connect as connect_hubspot
from connectors.salesforce import connect as connect_salesforce
from sync.errors import JobError


def build_connector(
    deployment: Deployment, name: str, *, budget_share: float = 1.0, bulk_threshold: int = 50_000
) -> Connector:
    """The connector for connection `name`, with the job's API budget.

    Raises:
        JobError: no such connection.
    """
    conn = deployment.connections.get(name)
    budget = ApiBudget(connection=name, share=budget_share)
    if isinstance(conn, SalesforceConnection):
        return connect_salesforce(name, conn, budget=budget, bulk_threshold=bulk_threshold)
    if isinstance(conn, HubSpotConnection):
        return connect_hubspot(name, conn, budget=budget)
    raise JobError(f"no connection named `{name}`")


def default_factory(deployment: Deployment, name: str, job: Job) -> Connector:
    """Build the real connector for a connection with the job's budget and thresholds."""
    return build_connector(deployment, name, budget_share=job.api_budget_share, bulk_threshold=job.bulk_threshold)
