"""Property definitions and groups of one object type, rendered as HubSpot's properties API does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Final

from sandbox.hubspot.errors import AlreadyExists, ObjectNotFound, ValidationError
from sandbox.hubspot.timestamps import iso_ms

__all__ = [
    "FIELD_TYPES",
    "Option",
    "PropertyDef",
    "PropertyGroup",
    "PropertySchema",
]

# HubSpot's property types and the field types each may be shown with.
FIELD_TYPES: Final = {
    "string": ("text", "textarea", "file", "html", "phonenumber", "calculation_equation"),
    "number": ("number", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox", "calculation_equation"),
}
_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")
DEFINED_AT: Final = 1_565_058_068_029  # 2019-08-06T02:41:08.029Z: when HubSpot's defaults were defined


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str
    display_order: int
    hidden: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "displayOrder": self.display_order, "hidden": self.hidden}


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """One property; `read_only_value` properties are written only by HubSpot itself."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: tuple[Option, ...] = ()
    display_order: int = -1
    calculated: bool = False
    external_options: bool = False
    has_unique_value: bool = False
    hidden: bool = False
    hubspot_defined: bool = True
    read_only_value: bool = False
    read_only_definition: bool = True
    form_field: bool = False
    show_currency_symbol: bool = False
    referenced_object_type: str | None = None
    created_at: int = DEFINED_AT
    updated_at: int = DEFINED_AT
    option_values: frozenset[str] = field(default=frozenset(), compare=False)
    sparse: bool = field(default=False, compare=False)  # empty on generated records: stored only where written

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "updatedAt": iso_ms(self.updated_at),
            "createdAt": iso_ms(self.created_at),
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [o.as_json() for o in self.options],
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.read_only_definition,
                "readOnlyValue": self.read_only_value,
            },
            "formField": self.form_field,
            "dataSensitivity": "non_sensitive",
        }
        if self.hubspot_defined:
            out["hubspotDefined"] = True
        if self.show_currency_symbol:
            out["showCurrencySymbol"] = True
        if self.referenced_object_type:
            out["referencedObjectType"] = self.referenced_object_type
        return out


@dataclass(frozen=True, slots=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "displayOrder": self.display_order, "archived": self.archived}


class PropertySchema:
    """The live property list of one object type: definitions, groups, and removed (drifted) names."""

    def __init__(self, object_type: str, props: list[PropertyDef], groups: list[PropertyGroup]) -> None:
        self.object_type = object_type
        self._props: dict[str, PropertyDef] = {p.name: p for p in props}
        self._groups: dict[str, PropertyGroup] = {g.name: g for g in groups}
        self._removed: dict[str, PropertyDef] = {}
        self.version = 0

    def get(self, name: str) -> PropertyDef | None:
        return self._props.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._props

    def all(self) -> list[PropertyDef]:
        return list(self._props.values())

    def groups(self) -> list[PropertyGroup]:
        return list(self._groups.values())

    def require(self, name: str) -> PropertyDef:
        prop = self._props.get(name)
        if prop is None:
            raise ObjectNotFound(
                f"Unable to find property {name} for object type {self.object_type}",
                context={"propertyName": [name]},
            )
        return prop

    def create(self, body: dict[str, Any], now_ms: int) -> PropertyDef:
        """POST /crm/v3/properties/{type}: validate like HubSpot, 409 on a taken name."""
        prop = _definition_from_body(body, now_ms, self._groups)
        if prop.name in self._props or prop.name in self._removed:
            raise AlreadyExists("Property already exists", context={"name": [prop.name]})
        self._props[prop.name] = prop
        self.version += 1
        return prop

    def create_group(self, body: dict[str, Any]) -> PropertyGroup:
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(label, str) or not label:
            raise ValidationError("Invalid input JSON on line 1: a group needs a lower-case `name` and a `label`")
        if name in self._groups:
            raise AlreadyExists(f"Property group {name} already exists", context={"name": [name]})
        order = body.get("displayOrder", -1)
        group = PropertyGroup(name, label, order if isinstance(order, int) else -1)
        self._groups[name] = group
        return group

    def require_group(self, name: str) -> PropertyGroup:
        group = self._groups.get(name)
        if group is None:
            raise ObjectNotFound(f"Unable to find property group {name} for object type {self.object_type}")
        return group

    def remove(self, name: str) -> None:
        """Schema drift: the property disappears from reads, writes and the properties API."""
        self.require(name)
        self._removed[name] = self._props.pop(name)
        self.version += 1

    def restore(self, name: str) -> None:
        if name in self._removed:
            self._props[name] = self._removed.pop(name)
            self.version += 1

    def add_options(self, name: str, options: list[Option]) -> None:
        """Extend an enumeration (pipelines add their stages to `dealstage`)."""
        prop = self._props[name]
        known = {o.value for o in prop.options}
        merged = prop.options + tuple(o for o in options if o.value not in known)
        self._props[name] = replace(prop, options=merged)


def _definition_from_body(body: dict[str, Any], now_ms: int, groups: dict[str, PropertyGroup]) -> PropertyDef:
    name, label = body.get("name"), body.get("label")
    ptype, field_type, group = body.get("type"), body.get("fieldType"), body.get("groupName")
    missing = [k for k, v in (("name", name), ("label", label), ("type", ptype), ("fieldType", field_type),
                              ("groupName", group)) if not isinstance(v, str) or not v]  # fmt: skip
    if missing:
        raise ValidationError(f"Invalid input JSON: missing required field(s) {', '.join(missing)}")
    name, label, ptype, field_type, group = str(name), str(label), str(ptype), str(field_type), str(group)
    if not _NAME.match(name):
        raise ValidationError(f"Property name {name} is invalid: use lower-case letters, digits and underscores")
    if ptype not in FIELD_TYPES:
        raise ValidationError(f"Invalid property type {ptype}")
    if field_type not in FIELD_TYPES[ptype]:
        raise ValidationError(f"Field type {field_type} is not valid for property type {ptype}")
    if group not in groups:
        raise ValidationError(f"Property group {group} does not exist")
    options = _options(body.get("options"), ptype)
    return PropertyDef(
        name=name, label=label, type=ptype, field_type=field_type, group_name=group,
        description=str(body.get("description") or ""), options=options,
        display_order=int(body.get("displayOrder", -1)), has_unique_value=bool(body.get("hasUniqueValue")),
        hidden=bool(body.get("hidden")), hubspot_defined=False, read_only_definition=False,
        form_field=bool(body.get("formField")), created_at=now_ms, updated_at=now_ms,
    )  # fmt: skip


def _options(raw: object, ptype: str) -> tuple[Option, ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ValidationError("Invalid input JSON: options must be a list")
    if ptype == "enumeration" and not raw:
        raise ValidationError("Enumeration properties must have at least one option")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not item.get("label") or "value" not in item:
            raise ValidationError("Invalid input JSON: each option needs a label and a value")
        out.append(Option(str(item["label"]), str(item["value"]), int(item.get("displayOrder", i)),
                          bool(item.get("hidden", False))))  # fmt: skip
    return tuple(out)
