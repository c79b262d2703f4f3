"""Checks that span several keys: references between jobs and connections, objects per CRM."""

from __future__ import annotations

from collections import Counter

from config.models import Deployment, HubSpotConnection, SalesforceConnection

SALESFORCE_OBJECTS = frozenset(
    {
        "Account",
        "Opportunity",
        "OpportunityHistory",
        "OpportunityStage",
        "OpportunityLineItem",
        "CurrencyType",
        "Contact",
        "AccountContactRelation",
        "OpportunityContactRole",
        "AccountTeamMember",
        "User",
    }
)
HUBSPOT_OBJECTS = frozenset({"companies", "deals", "pipelines", "contacts", "owners"})
WRITEBACK_OBJECTS = {"salesforce": frozenset({"Account"}), "hubspot": frozenset({"companies"})}
FIGURES = frozenset(
    {
        "score", "tier", "rank", "reasons", "change_reason", "arr", "mrr", "health", "headroom",
        "share_of_wallet", "clv", "fit", "potential", "momentum", "product_lines", "scored_at", "coverage",
        "missing_roles", "single_threaded",
    }
)  # fmt: skip

Problem = tuple[tuple[str | int, ...], str]


def cross_check(deployment: Deployment) -> list[Problem]:
    """Every problem as (path in the file, message); an empty list when the deployment hangs together."""
    problems: list[Problem] = []
    names = Counter(job.name for job in deployment.jobs)
    for j, job in enumerate(deployment.jobs):
        if names[job.name] > 1:
            problems.append((("jobs", j, "name"), f"job name `{job.name}` is used more than once"))
        for s, source in enumerate(job.sources):
            problems += _check_source(deployment, ("jobs", j, "sources", s), source.connection, source.objects)
        for e, name in enumerate(job.enrich):
            if name not in deployment.enrichment:
                problems.append((("jobs", j, "enrich", e), f"no enrichment source named `{name}` under `enrichment`"))
        for w, target in enumerate(job.writeback):
            problems += _check_target(deployment, ("jobs", j, "writeback", w), target.connection, target.object)
            for figure in target.fields:
                if figure not in FIGURES:
                    path = ("jobs", j, "writeback", w, "fields", figure)
                    problems.append((path, f"unknown figure `{figure}`; one of {', '.join(sorted(FIGURES))}"))
    return problems


def _crm(deployment: Deployment, name: str) -> str | None:
    conn = deployment.connections.get(name)
    if isinstance(conn, SalesforceConnection):
        return "salesforce"
    if isinstance(conn, HubSpotConnection):
        return "hubspot"
    return None


def _check_source(deployment: Deployment, path: tuple[str | int, ...], name: str, objects: list[str]) -> list[Problem]:
    crm = _crm(deployment, name)
    if crm is None:
        return [((*path, "connection"), f"no connection named `{name}` under `connections`")]
    allowed = SALESFORCE_OBJECTS if crm == "salesforce" else HUBSPOT_OBJECTS
    return [
        (
            (*path, "objects", i),
            f"`{obj}` is not a {crm} object accountsync pulls; one of {', '.join(sorted(allowed))}",
        )
        for i, obj in enumerate(objects)
        if obj not in allowed
    ]


def _check_target(deployment: Deployment, path: tuple[str | int, ...], name: str, obj: str) -> list[Problem]:
    crm = _crm(deployment, name)
    if crm is None:
        return [((*path, "connection"), f"no connection named `{name}` under `connections`")]
    if obj not in WRITEBACK_OBJECTS[crm]:
        allowed = ", ".join(sorted(WRITEBACK_OBJECTS[crm]))
        return [((*path, "object"), f"cannot write back to {crm} `{obj}`; one of {allowed}")]
    return []
