"""What properties an object has now (the properties API), and which wanted ones are missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import FieldInfo, ObjectSchema
from connectors.hubspot.transport import Transport

__all__ = ["ModificationMetadata", "PropertyCheck", "RawProperty", "check_properties", "fetch_schema"]


class ModificationMetadata(BaseModel):
    """Whether a property's value or definition may be changed."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    read_only_value: bool = Field(default=False, alias="readOnlyValue")
    read_only_definition: bool = Field(default=False, alias="readOnlyDefinition")


class RawProperty(BaseModel):
    """One entry of `GET /crm/v3/properties/{objectType}`, as much of it as we use."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str
    label: str = ""
    type: str
    field_type: str = Field(default="", alias="fieldType")
    group_name: str = Field(default="", alias="groupName")
    hubspot_defined: bool = Field(default=False, alias="hubspotDefined")
    calculated: bool = False
    modification_metadata: ModificationMetadata = Field(
        default_factory=ModificationMetadata, alias="modificationMetadata"
    )

    def info(self) -> FieldInfo:
        """As the connector interface describes a field."""
        writable = not (self.modification_metadata.read_only_value or self.calculated)
        return FieldInfo(self.name, self.type, self.label, writable, None, not self.hubspot_defined)


def fetch_schema(transport: Transport, properties_api: object, obj: str) -> ObjectSchema:
    """The object's properties now (one call; archived properties are not listed)."""
    reply = transport.call(f"list {obj} properties", properties_api.get_all, obj)  # type: ignore[attr-defined]
    raws = [RawProperty.model_validate(item) for item in (reply.body or {}).get("results", [])]
    return ObjectSchema(obj, {raw.name: raw.info() for raw in raws})


@dataclass(frozen=True, slots=True)
class PropertyCheck:
    """Wanted properties split into those that exist (in wanted order) and those that do not."""

    present: tuple[str, ...]
    missing: Mapping[str, str]


def check_properties(schema: ObjectSchema, wanted: Iterable[str], *, required: Sequence[str] = ()) -> PropertyCheck:
    """Intersect wanted properties with the schema; each missing one gets a clear error message.

    `required` properties are kept even when the properties API does not list them (HubSpot's
    own `hs_object_id` / `hs_lastmodifieddate` are always readable).
    """
    present: list[str] = []
    missing: dict[str, str] = {}
    for name in dict.fromkeys(wanted):
        if name in schema.fields or name in required:
            present.append(name)
        else:
            missing[name] = f"property `{name}` does not exist on {schema.object}; it is left out of the stream"
    return PropertyCheck(tuple(present), missing)
