"""The streams as data: which object, which fields, how they are read; fields checked against describe."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.base import StreamSpec
from connectors.salesforce.convert import RecordShape
from connectors.salesforce.people import OPTIONAL as PEOPLE_OPTIONAL
from connectors.salesforce.people import PEOPLE_STREAMS

CURSOR_FIELDS: Final = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
MULTI_CURRENCY_STREAM: Final = "CurrencyType"
# Advanced currency management's dated rates: pulled with CurrencyType when the org has them.
DATED_RATES_STREAM: Final = "DatedConversionRate"
DescribeFields = Mapping[str, Mapping[str, Any]]  # lower-cased field name -> describe's field entry


@dataclass(frozen=True, slots=True)
class StreamDef:
    """A stream as configured in code: `optional` fields are dropped quietly when the org lacks them."""

    name: str
    object: str
    fields: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    incremental: bool = True
    tracks_deletes: bool = False
    bulk: bool = True


_CURRENCY = frozenset({"CurrencyIsoCode"})
# The HubSpot company id on a Salesforce account (sync.md, identity): read when the org has the field.
HUBSPOT_LINK_FIELD: Final = "HubSpot_Company_Id__c"
# People (contacts, their relations and roles, account teams, users): mapped to canonical records by people.py.
_PEOPLE: Final = tuple(
    StreamDef(name, name, fields, optional=PEOPLE_OPTIONAL & set(fields), tracks_deletes=name != "User")
    for name, (_kind, fields) in PEOPLE_STREAMS.items()
)
STREAMS: Final[Mapping[str, StreamDef]] = {
    d.name: d
    for d in (
        *_PEOPLE,
        StreamDef(
            "Account", "Account",
            ("Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "OwnerId",
             "ParentId", "Type", "CurrencyIsoCode", "IsDeleted", "MasterRecordId", "CreatedDate", HUBSPOT_LINK_FIELD),
            optional=_CURRENCY | {HUBSPOT_LINK_FIELD}, tracks_deletes=True,
        ),
        StreamDef(
            "Opportunity", "Opportunity",
            ("Id", "AccountId", "Name", "Amount", "CurrencyIsoCode", "StageName", "IsClosed", "IsWon", "Probability",
             "CloseDate", "CreatedDate", "Type", "OwnerId", "IsDeleted"),
            optional=_CURRENCY, tracks_deletes=True,
        ),
        StreamDef(
            "OpportunityHistory", "OpportunityHistory",
            ("Id", "OpportunityId", "StageName", "CreatedDate", "IsDeleted"), optional=frozenset({"IsDeleted"}),
        ),
        StreamDef(
            "OpportunityStage", "OpportunityStage",
            ("Id", "ApiName", "MasterLabel", "SortOrder", "IsActive", "IsClosed", "IsWon", "DefaultProbability"),
            optional=frozenset({"ApiName"}), incremental=False, bulk=False,
        ),
        StreamDef(
            "OpportunityLineItem", "OpportunityLineItem",
            ("Id", "OpportunityId", "Product2.Family", "TotalPrice", "CurrencyIsoCode", "IsDeleted"),
            optional=_CURRENCY | {"IsDeleted"}, tracks_deletes=True,
        ),
        StreamDef(
            "CurrencyType", "CurrencyType",
            ("Id", "IsoCode", "ConversionRate", "DecimalPlaces", "IsActive", "IsCorporate"), incremental=False,
            bulk=False,
        ),
        StreamDef(
            "DatedConversionRate", "DatedConversionRate",
            ("Id", "IsoCode", "ConversionRate", "StartDate", "NextStartDate"), bulk=False,
        ),
    )
}  # fmt: skip


# Compound fields (describe types): one JSON value in REST, refused by the Bulk APIs.
COMPOUND_TYPES: Final = frozenset({"address", "location"})


def stream_def(name: str) -> StreamDef:
    """The known stream, or a plain one for any other object (Id, cursor and the configured extras)."""
    return STREAMS.get(name) or StreamDef(name, name, ("Id",), tracks_deletes=True)


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """A stream checked against describe: the spec handed out, field types, and fields that failed."""

    spec: StreamSpec
    shape: RecordShape
    field_errors: Mapping[str, str] = field(default_factory=dict)
    tracks_deletes: bool = False
    bulk: bool = True


def pick_cursor(fields: DescribeFields) -> str | None:
    """SystemModstamp, else LastModifiedDate, else CreatedDate, as far as describe has them."""
    return next((name for name in CURSOR_FIELDS if name.lower() in fields), None)


def resolve(path: str, obj_fields: DescribeFields, describe: Callable[[str], DescribeFields]) -> tuple[str, str]:
    """(canonical path, type) of a field or relationship path such as `Product2.Family`.

    Raises:
        LookupError: the field (or a relationship on the way) does not exist, with a readable reason.
    """
    *hops, last = path.split(".")
    fields, names = obj_fields, []
    for hop in hops:
        ref = next((f for f in fields.values() if str(f.get("relationshipName") or "").lower() == hop.lower()), None)
        if ref is None or not ref.get("referenceTo"):
            raise LookupError(f"no relationship `{hop}`")
        names.append(str(ref["relationshipName"]))
        fields = describe(str(ref["referenceTo"][0]))
    found = fields.get(last.lower())
    if found is None:
        raise LookupError(f"field `{path}` does not exist")
    return ".".join([*names, str(found["name"])]), str(found.get("type", "string"))


def components(fields: DescribeFields, compound: str) -> list[tuple[str, str]]:
    """(name, type) of the fields describe says make up `compound` (BillingCity, ... for BillingAddress)."""
    return [(str(f["name"]), str(f.get("type", "string"))) for f in fields.values()
            if str(f.get("compoundFieldName") or "").lower() == compound.lower()]  # fmt: skip


def plan_stream(definition: StreamDef, extras: Sequence[str], describe: Callable[[str], DescribeFields]) -> StreamPlan:
    """Intersect the stream's fields and the configured extras with describe; missing ones become field errors."""
    fields = describe(definition.object)
    cursor = pick_cursor(fields) if definition.incremental else None
    wanted = [*definition.fields, *(e for e in extras if e not in definition.fields)]
    if cursor is not None and cursor not in wanted:
        wanted.append(cursor)
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in wanted:
        try:
            canonical, sf_type = resolve(name, fields, describe)
        except LookupError as exc:
            if name not in definition.optional:
                errors[name] = f"{definition.object}: {exc}"
            continue
        if sf_type in COMPOUND_TYPES:  # Bulk refuses compound fields: read the fields that make one up
            parts = components(fields, canonical) if "." not in canonical else []
            if not parts:
                errors[name] = f"{definition.object}: compound field `{canonical}` has no readable components"
            for part, part_type in parts:
                chosen.setdefault(part, part_type)
            continue
        chosen.setdefault(canonical, sf_type)
    spec = StreamSpec(
        name=definition.name,
        object=definition.object,
        primary_key="Id",
        cursor_field=cursor,
        fields=tuple(chosen),
        incremental=cursor is not None,
    )
    shape = RecordShape(spec.fields, chosen)
    return StreamPlan(spec, shape, errors, definition.tracks_deletes, definition.bulk)
