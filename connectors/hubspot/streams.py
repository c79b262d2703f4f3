"""The HubSpot streams as data: companies, deals and deal pipelines, with the record keys they carry.

Every company and deal record has `id` (str), `archived` (bool), `archivedAt` (datetime | None) and its
properties converted by `convert.py` (`hs_lastmodifieddate` always present; `hs_merged_object_ids` kept as
HubSpot's `;`-joined string). Besides:

- companies: `_merged_from`: the ids in `hs_merged_object_ids` as a list (empty when none).
- deals: `_associations`: `{"companies": [company ids, primary first], "primary_company": id | None}`
  from associations v4 (the association with typeId 5 / label `Primary`; when none is labelled, the first
  associated company); `_stage_history`: `[(stage id, entered_at), ...]` oldest first, from
  `propertiesWithHistory=dealstage`; `_merged_from` as for companies. Archived deals carry neither.
- pipelines: one record per deal stage, in the pipelines API's own names: `id` (stage id), `label`,
  `pipeline` (pipeline id), `pipelineLabel`, `pipelineDisplayOrder`, `isClosed`, `isWon` (closed with
  probability 1.0: HubSpot's stage metadata has only `isClosed` and `probability`), `probability`
  (Decimal), `displayOrder`, `archived`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from connectors.base import StreamSpec
from connectors.hubspot.people import CONTACT_CURSOR, CONTACT_PROPERTIES

__all__ = [
    "COMPANY_PROPERTIES",
    "DEAL_PROPERTIES",
    "PIPELINE_FIELDS",
    "REQUIRED_PROPERTIES",
    "STREAM_OBJECTS",
    "stream_spec",
    "wanted_properties",
]

CURSOR: Final = "hs_lastmodifieddate"
REQUIRED_PROPERTIES: Final = ("hs_object_id", CURSOR)
COMPANY_PROPERTIES: Final = (
    "name",
    "domain",
    "industry",
    "numberofemployees",
    "annualrevenue",
    "country",
    "hubspot_owner_id",
    "hs_parent_company_id",
    "lifecyclestage",
    "hs_merged_object_ids",
    *REQUIRED_PROPERTIES,
)
DEAL_PROPERTIES: Final = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "dealtype",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_deal_stage_probability",
    "hubspot_owner_id",
    "hs_merged_object_ids",
    *REQUIRED_PROPERTIES,
)
PIPELINE_FIELDS: Final = (
    "id",
    "label",
    "pipeline",
    "pipelineLabel",
    "pipelineDisplayOrder",
    "isClosed",
    "isWon",
    "probability",
    "displayOrder",
    "archived",
)
STREAM_OBJECTS: Final = ("companies", "deals", "pipelines", "contacts", "owners")


def wanted_properties(obj: str, link_property: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The defaults of crm-apis.md for `obj`, the Salesforce link property (companies) and extras."""
    if obj == "companies":
        base: tuple[str, ...] = (*COMPANY_PROPERTIES, link_property)
    elif obj == "deals":
        base = DEAL_PROPERTIES
    elif obj == "contacts":
        base = CONTACT_PROPERTIES
    else:
        raise ValueError(f"`{obj}` has no properties to read")
    return tuple(dict.fromkeys((*base, *extra)))


def stream_spec(obj: str, fields: Sequence[str]) -> StreamSpec:
    """The spec of one stream (`fields` already intersected with the properties API)."""
    if obj == "pipelines":
        return StreamSpec("pipelines", "pipelines", "id", None, PIPELINE_FIELDS, incremental=False)
    if obj == "owners":
        return StreamSpec("owners", "owners", "id", None, (), incremental=False)
    if obj == "contacts":
        return StreamSpec(obj, obj, "id", CONTACT_CURSOR, tuple(fields))
    if obj not in ("companies", "deals"):
        raise ValueError(f"unknown HubSpot stream `{obj}`: expected one of {', '.join(STREAM_OBJECTS)}")
    return StreamSpec(obj, obj, "id", CURSOR, tuple(fields))


def extras_for(obj: str, extra_fields: Mapping[str, Sequence[str]] | None) -> Sequence[str]:
    """The configured extra fields of one object (config `sources[].fields`)."""
    return (extra_fields or {}).get(obj, ())
