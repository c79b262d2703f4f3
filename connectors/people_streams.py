"""Which streams of each CRM are people streams, and of which canonical kind (`connectors.people`)."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Crm
from connectors.hubspot.people import PEOPLE_STREAMS as HUBSPOT_PEOPLE
from connectors.people import PeopleKind
from connectors.salesforce.people import PEOPLE_STREAMS as SALESFORCE_PEOPLE

__all__ = ["people_streams"]


def people_streams() -> Mapping[tuple[Crm, str], PeopleKind]:
    """(crm, stream object) -> the canonical kind its records have."""
    out: dict[tuple[Crm, str], PeopleKind] = {}
    for name, (kind, _fields) in SALESFORCE_PEOPLE.items():
        out[("salesforce", name)] = kind
    for name, kind in HUBSPOT_PEOPLE.items():
        out[("hubspot", name)] = kind
    return out
