"""Which mapping turns a CRM object's records into store rows: the one lookup `sync` makes by a CRM's name."""

from __future__ import annotations

from connectors.base import Crm
from connectors.hubspot.rows import MAPS as HUBSPOT
from connectors.rows import StreamMap
from connectors.salesforce.rows import MAPS as SALESFORCE

MAPS: dict[str, dict[str, StreamMap]] = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}


def stream_map(crm: Crm | str, obj: str) -> StreamMap:
    """The mapping of `obj`'s records on `crm` (KeyError when the connector does not read that object)."""
    return MAPS[crm][obj]


def mapped_objects(crm: Crm | str) -> tuple[str, ...]:
    """The objects of `crm` that have a mapping into the store."""
    return tuple(MAPS[crm])
