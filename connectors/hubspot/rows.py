"""HubSpot records -> store rows: companies, deals (with their stage history) and pipeline stages, each field
converted once; a company's merged ids for the store to follow."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.domains import normalise_domain
from connectors.rows import (
    Context,
    Issues,
    Row,
    StreamMap,
    amount,
    as_bool,
    as_datetime,
    as_decimal,
    as_float,
    as_int,
    base,
    count,
    day,
    lenient,
    one,
    opportunity_type,
    parent,
    raw,
    require_id,
    revenue,
    stamp,
    text,
    with_issues,
)


def hubspot_company(record: Mapping[str, Any], ctx: Context) -> Row:
    """HubSpot company (flattened properties) -> source_account row."""
    sid = require_id(record, "hs_object_id", "id")
    modstamp = as_datetime(record.get("hs_lastmodifieddate"), "hs_lastmodifieddate", sid)
    archived = as_bool(record.get("archived"))
    issues: Issues = []
    row = base(ctx, sid) | {
        "name": text(record.get("name"), 512),
        "domain": normalise_domain(record.get("domain")),
        "industry": text(record.get("industry"), 128),
        "employees": count(issues, record, "numberofemployees", sid),
        "annual_revenue": revenue(issues, record, "annualrevenue", sid),
        "country": text(record.get("country"), 128),
        "owner": text(record.get("hubspot_owner_id"), 128),
        "parent_source_id": parent(issues, record, "hs_parent_company_id", sid),
        "link_id": text(record.get(ctx.link_property), 64),
        "merged_into": None,
        "currency": None,
        "created_at": stamp(issues, record, "createdate", sid),
        "modstamp": modstamp,
        "deleted_at": (as_datetime(record.get("archivedAt"), "archivedAt", sid) or ctx.now) if archived else None,
        "raw": raw(record),
    }
    return with_issues(row, issues)


def hubspot_deal(record: Mapping[str, Any], ctx: Context) -> Row:
    """HubSpot deal (flattened properties, `_associations`) -> opportunity row."""
    sid = require_id(record, "hs_object_id", "id")
    modstamp = as_datetime(record.get("hs_lastmodifieddate"), "hs_lastmodifieddate", sid)
    associations = record.get("_associations") or {}
    raw_type = text(record.get("dealtype"), 128)
    archived = as_bool(record.get("archived"))
    issues: Issues = []
    is_won = as_bool(record.get("hs_is_closed_won"))
    probability = lenient(issues, as_decimal, record.get("hs_deal_stage_probability"), "hs_deal_stage_probability",
                          sid)  # fmt: skip
    row = base(ctx, sid) | {
        "account_source_id": text(associations.get("primary_company"), 64),
        "name": text(record.get("dealname"), 512),
        "amount": amount(issues, record, "amount", sid, won=is_won),
        "currency": text(record.get("deal_currency_code"), 3),
        "stage": text(record.get("dealstage"), 128),
        "owner": text(record.get("hubspot_owner_id"), 128),
        "is_closed": as_bool(record.get("hs_is_closed")),
        "is_won": is_won,
        "probability": as_float(probability),
        "close_date": day(issues, record, "closedate", sid),
        "created_at": stamp(issues, record, "createdate", sid),
        "type": opportunity_type(raw_type, ctx),
        "raw_type": raw_type,
        "recurring": True,
        "term_months": count(issues, record, "term_months", sid),
        "start_date": day(issues, record, "start_date", sid),
        "modstamp": modstamp,
        "deleted_at": (as_datetime(record.get("archivedAt"), "archivedAt", sid) or ctx.now) if archived else None,
        "raw": raw({k: v for k, v in record.items() if not k.startswith("_")}),
    }
    return with_issues(row, issues)


def hubspot_stage_history(record: Mapping[str, Any], ctx: Context) -> list[Row]:
    """A HubSpot deal's `_stage_history` [(stage, entered_at)] -> stage_history rows."""
    sid = require_id(record, "hs_object_id", "id")
    rows = []
    for stage, entered in record.get("_stage_history") or []:
        stamp = as_datetime(entered, "dealstage history", sid)
        if stage and stamp is not None:
            rows.append({"connection": ctx.connection, "opportunity_source_id": sid, "stage": str(stage),
                         "entered_at": stamp, "source_id": None})  # fmt: skip
    return rows


def hubspot_stage_meta(record: Mapping[str, Any], ctx: Context) -> Row:
    """A HubSpot pipeline stage (flattened: id, label, pipeline, pipelineLabel, pipelineDisplayOrder,
    isClosed, probability, displayOrder, archived) -> stage_meta row."""
    stage = require_id(record, "id", "stage_id")
    probability = as_decimal(record.get("probability"), "probability", stage)
    closed = as_bool(record.get("isClosed"))
    won = as_bool(record["isWon"]) if "isWon" in record else closed and probability == Decimal(1)
    return {
        "connection": ctx.connection,
        "stage": stage,
        "label": record.get("label"),
        "pipeline": record.get("pipeline"),
        "pipeline_label": record.get("pipelineLabel"),
        "pipeline_order": as_int(record.get("pipelineDisplayOrder"), "pipelineDisplayOrder", stage),
        "is_closed": closed,
        "is_won": won,
        "is_active": not as_bool(record.get("archived")),
        "probability": None if probability is None else float(probability),
        "display_order": as_int(record.get("displayOrder"), "displayOrder", stage),
    }


def merged_ids(record: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """A survivor's id and the ids in its `hs_merged_object_ids` (they follow it and leave the live set)."""
    merged = str(record.get("hs_merged_object_ids") or "")
    victims = [v.strip() for v in merged.split(";") if v.strip()]
    survivor = str(record.get("hs_object_id") or record.get("id") or "")
    return (survivor, victims) if victims and survivor else None


_OPPORTUNITY_COMMON = {"term_months": ("term_months",), "start_date": ("start_date",)}
COMPANY_COLUMNS = {
    "name": ("name",), "domain": ("domain",), "industry": ("industry",), "numberofemployees": ("employees",),
    "annualrevenue": ("annual_revenue",), "country": ("country",), "hubspot_owner_id": ("owner",),
    "hs_parent_company_id": ("parent_source_id",), "createdate": ("created_at",),
}  # fmt: skip
DEAL_COLUMNS = {
    "dealname": ("name",), "amount": ("amount",), "deal_currency_code": ("currency",), "dealstage": ("stage",),
    "hs_is_closed": ("is_closed",), "hs_is_closed_won": ("is_won",), "hs_deal_stage_probability": ("probability",),
    "closedate": ("close_date",), "createdate": ("created_at",), "dealtype": ("type", "raw_type"),
    "hubspot_owner_id": ("owner",), **_OPPORTUNITY_COMMON,
}  # fmt: skip
IDS = ("hs_object_id", "id")
MAPS: dict[str, StreamMap] = {
    "companies": StreamMap("accounts", one(hubspot_company), merges=merged_ids, field_columns=COMPANY_COLUMNS,
                           link_columns=("link_id",), id_fields=IDS, audited=True),
    "deals": StreamMap("opportunities", one(hubspot_deal), related=hubspot_stage_history,
                       field_columns=DEAL_COLUMNS, id_fields=IDS, audited=True),
    "pipelines": StreamMap("stage_meta", one(hubspot_stage_meta), id_fields=("id", "stage_id")),
}  # fmt: skip
