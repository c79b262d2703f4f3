"""The object types this account serves and how each is named in paths, ids and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sandbox.hubspot.errors import ApiError

__all__ = ["OBJECT_TYPES", "PORTAL_ID", "ObjectType", "object_type", "record_url"]

PORTAL_ID: Final = 48_213_507


@dataclass(frozen=True, slots=True)
class ObjectType:
    name: str  # the plural used in paths: companies
    singular: str  # company
    type_id: str  # 0-2
    id_base: int  # first id handed out
    modified_name: str  # the last-modified property
    default_properties: tuple[str, ...]  # returned when a read names none
    query_properties: tuple[str, ...]  # what the search `query` looks into

    @property
    def upper(self) -> str:
        return self.singular.upper()


OBJECT_TYPES: Final = (
    ObjectType("companies", "company", "0-2", 6_100_000_000, "hs_lastmodifieddate",
               ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"), ("name", "domain")),
    ObjectType("deals", "deal", "0-3", 11_200_000_000, "hs_lastmodifieddate",
               ("amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
                "hs_object_id", "pipeline"), ("dealname",)),
    ObjectType("contacts", "contact", "0-1", 151, "lastmodifieddate",
               ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
               ("email", "firstname", "lastname")),
    ObjectType("tickets", "ticket", "0-5", 1_900_000_000, "hs_lastmodifieddate",
               ("content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline", "hs_pipeline_stage",
                "hs_ticket_category", "hs_ticket_priority", "subject"), ("subject", "content")),
    ObjectType("products", "product", "0-7", 1_400_000_000, "hs_lastmodifieddate",
               ("createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"),
               ("name", "description")),
    ObjectType("line_items", "line_item", "0-8", 2_300_000_000, "hs_lastmodifieddate",
               ("amount", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_product_id", "name", "price",
                "quantity"), ("name",)),
)  # fmt: skip
_BY_NAME: Final = {key: t for t in OBJECT_TYPES for key in (t.name, t.singular, t.type_id)}


def object_type(name: str) -> ObjectType:
    """The object type a path segment names (`companies`, `company` or `0-2`)."""
    found = _BY_NAME.get(name.lower())
    if found is None:
        raise ApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
    return found


def record_url(type_name: str, object_id: int | str) -> str:
    """The record's page in HubSpot's app, as the `url` of every object the API returns."""
    return f"https://app.hubspot.com/contacts/{PORTAL_ID}/record/{object_type(type_name).type_id}/{object_id}"
