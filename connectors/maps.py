"""Which mapping turns a CRM object's records into store rows: the one lookup `sync` makes by a CRM's name."""

from __future__ import annotations

from connectors.base import Crm
from connectors.hubspot.rows import MAPS as HUBSPOT
from connectors.people_streams import people_streams
from connectors.rows import StreamMap, canonical
from connectors.salesforce.rows import MAPS as SALESFORCE

AUDITED_PEOPLE = frozenset({("salesforce", "Contact"), ("hubspot", "contacts")})  # live counts compared per run
MAPS: dict[str, dict[str, StreamMap]] = {
    "salesforce": dict(SALESFORCE),
    "hubspot": dict(HUBSPOT),
}
for (_crm, _name), _kind in people_streams().items():
    MAPS[_crm][_name] = StreamMap(_kind, canonical, id_fields=("source_id",), audited=(_crm, _name) in AUDITED_PEOPLE)


def stream_map(crm: Crm | str, obj: str) -> StreamMap:
    """The mapping of `obj`'s records on `crm` (KeyError when the connector does not read that object)."""
    return MAPS[crm][obj]
