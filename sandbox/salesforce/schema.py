"""Object and field metadata of the org: what describe answers and what queries and writes may touch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Final

# Storage kinds per Salesforce field type; `Column` implementations exist for each kind.
STORAGE: Final = {
    "id": "id",
    "string": "str",
    "textarea": "str",
    "url": "str",
    "email": "str",
    "phone": "str",
    "picklist": "str",
    "reference": "ref",
    "currency": "float",
    "double": "float",
    "percent": "float",
    "int": "int",
    "boolean": "bool",
    "date": "date",
    "datetime": "datetime",
    "address": "compound",  # computed from its component fields; never stored
    "location": "compound",
}
COMPOUND_TYPES: Final = frozenset({"address", "location"})
SOAP_TYPES: Final = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "address": "urn:address",
    "location": "urn:location",
}
SYSTEM_FIELDS: Final = frozenset(
    {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}
)


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field as describe reports it."""

    name: str
    type: str
    label: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    updateable: bool = True
    createable: bool = True
    custom: bool = False
    picklist: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    external_id: bool = False
    unique: bool = False
    name_field: bool = False
    defaulted_on_create: bool = False
    restricted_picklist: bool = False
    compound_name: str | None = None  # the compound field this one is part of (BillingCity -> BillingAddress)
    sparse: bool = False  # null on nearly every record: kept as per-row overrides, not a column (memory)

    @property
    def storage(self) -> str:
        return STORAGE[self.type]

    @property
    def is_text(self) -> bool:
        return self.storage == "str"


class ObjectDef:
    """An sObject type: its fields (in describe order) and what the integration user may see of them."""

    def __init__(self, name: str, label: str, plural: str, prefix: str, fields: Iterable[FieldDef], **flags: bool):
        self.name = name
        self.label = label
        self.plural = plural
        self.prefix = prefix
        self.custom = False
        self.flags = {"createable": True, "updateable": True, "deletable": True, "queryable": True} | flags
        self._fields: dict[str, FieldDef] = {}
        self.removed: set[str] = set()  # taken away by an admin (schema drift)
        self.unreadable: set[str] = set()  # no field-level read access for the integration user
        self.read_only: set[str] = set()  # readable but not editable for the integration user
        for definition in fields:
            self.add(definition)

    def add(self, definition: FieldDef) -> None:
        self._fields[definition.name.lower()] = definition

    def all_fields(self) -> Iterator[FieldDef]:
        """Every field, visible or not (for the store)."""
        return iter(self._fields.values())

    def fields(self) -> Iterator[FieldDef]:
        """The fields the integration user can see, in describe order."""
        return (f for f in self._fields.values() if self.visible(f.name))

    def field(self, name: str) -> FieldDef | None:
        """A visible field by case-insensitive name."""
        found = self._fields.get(name.lower())
        return None if found is None or not self.visible(found.name) else found

    def stored(self, name: str) -> FieldDef | None:
        """A field by case-insensitive name, visible or not."""
        return self._fields.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The visible reference field whose relationship is called `name` (case-insensitive)."""
        lowered = name.lower()
        for definition in self.fields():
            if definition.relationship_name and definition.relationship_name.lower() == lowered:
                return definition
        return None

    def visible(self, name: str) -> bool:
        return name not in self.removed and name not in self.unreadable

    def editable(self, definition: FieldDef) -> bool:
        return definition.name not in self.read_only


def text(name: str, label: str, length: int = 255) -> FieldDef:
    return FieldDef(name, "string", label, length=length)


def picklist(name: str, label: str, values: tuple[str, ...]) -> FieldDef:
    return FieldDef(name, "picklist", label, length=255, picklist=values)


def money(name: str, label: str, precision: int = 18, scale: int = 2) -> FieldDef:
    return FieldDef(name, "currency", label, precision=precision, scale=scale)


def number(name: str, label: str, kind: str = "double", precision: int = 18, scale: int = 2) -> FieldDef:
    return FieldDef(name, kind, label, precision=precision, scale=scale)


def integer(name: str, label: str, digits: int = 9) -> FieldDef:
    return FieldDef(name, "int", label, digits=digits)


def flag(name: str, label: str, updateable: bool = True) -> FieldDef:
    return FieldDef(
        name, "boolean", label, nillable=False, updateable=updateable, createable=updateable,
        defaulted_on_create=True,
    )  # fmt: skip


def day(name: str, label: str) -> FieldDef:
    return FieldDef(name, "date", label)


def stamp(name: str, label: str) -> FieldDef:
    return FieldDef(name, "datetime", label)


def reference(name: str, label: str, target: str, relationship: str) -> FieldDef:
    return FieldDef(name, "reference", label, length=18, reference_to=(target,), relationship_name=relationship)


def textarea(name: str, label: str, length: int = 32000) -> FieldDef:
    return FieldDef(name, "textarea", label, length=length)


def phone(name: str, label: str) -> FieldDef:
    return FieldDef(name, "phone", label, length=40)


def url(name: str, label: str) -> FieldDef:
    return FieldDef(name, "url", label, length=255)


def email(name: str, label: str) -> FieldDef:
    return FieldDef(name, "email", label, length=80)


def address(prefix: str, label: str) -> tuple[FieldDef, ...]:
    """A standard address: its components (each naming the compound) and the read-only compound itself."""
    compound = f"{prefix}Address"
    label = f"{label} " if label else ""
    parts = (
        FieldDef(f"{prefix}Street", "textarea", f"{label}Street", length=255),
        text(f"{prefix}City", f"{label}City", 40),
        text(f"{prefix}State", f"{label}State/Province", 80),
        text(f"{prefix}PostalCode", f"{label}Zip/Postal Code", 20),
        text(f"{prefix}Country", f"{label}Country", 80),
        number(f"{prefix}Latitude", f"{label}Latitude", "double", 18, 15),
        number(f"{prefix}Longitude", f"{label}Longitude", "double", 18, 15),
        picklist(f"{prefix}GeocodeAccuracy", f"{label}Geocode Accuracy", GEOCODE_ACCURACY),
    )
    whole = read_only(FieldDef(compound, "address", f"{label}Address"))
    return (*(replace(p, compound_name=compound) for p in parts), whole)


GEOCODE_ACCURACY: Final = (
    "Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City", "County", "State",
    "Unknown",
)  # fmt: skip


def sparse(*definitions: FieldDef) -> tuple[FieldDef, ...]:
    """Standard fields a generated org leaves empty: they cost memory only where a write fills them."""
    return tuple(replace(d, sparse=True) for d in definitions)


def read_only(definition: FieldDef, nillable: bool | None = None) -> FieldDef:
    """The same field, neither createable nor updateable (system-maintained)."""
    keep = definition.nillable if nillable is None else nillable
    return replace(definition, updateable=False, createable=False, nillable=keep)


def system_fields() -> tuple[FieldDef, ...]:
    """Audit fields every object carries (read-only)."""
    return (
        read_only(stamp("CreatedDate", "Created Date"), nillable=False),
        read_only(reference("CreatedById", "Created By ID", "User", "CreatedBy"), nillable=False),
        read_only(stamp("LastModifiedDate", "Last Modified Date"), nillable=False),
        read_only(reference("LastModifiedById", "Last Modified By ID", "User", "LastModifiedBy"), nillable=False),
        read_only(stamp("SystemModstamp", "System Modstamp"), nillable=False),
    )


def id_fields() -> tuple[FieldDef, ...]:
    return (
        read_only(FieldDef("Id", "id", "Record ID", length=18), nillable=False),
        read_only(flag("IsDeleted", "Deleted")),
    )


@dataclass(slots=True)
class Schema:
    """Every sObject type of the org, by case-insensitive name."""

    objects: dict[str, ObjectDef] = field(default_factory=dict)

    def add(self, definition: ObjectDef) -> None:
        self.objects[definition.name.lower()] = definition

    def get(self, name: str) -> ObjectDef | None:
        return self.objects.get(name.lower())

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(self.objects.values())

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        return next((o for o in self.objects.values() if o.prefix == prefix), None)
