"""Normalisation of the streams around opportunities: stage history, stage metadata, line items, rates."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

from sync.pull.normalise import BadRecord, Context, Row, as_bool, as_date, as_datetime, as_decimal, as_int, require_id


def salesforce_stage_history(record: Mapping[str, Any], ctx: Context) -> list[Row]:
    """Salesforce OpportunityHistory -> one stage_history row."""
    sid = require_id(record, "Id")
    opp = record.get("OpportunityId")
    entered = as_datetime(record.get("CreatedDate"), "CreatedDate", sid)
    if not opp or not record.get("StageName") or entered is None:
        raise BadRecord(sid, "history row without OpportunityId, StageName or CreatedDate")
    return [{"connection": ctx.connection, "opportunity_source_id": str(opp), "stage": str(record["StageName"]),
             "entered_at": entered, "source_id": sid}]  # fmt: skip


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


def salesforce_stage_meta(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce OpportunityStage -> stage_meta row, keyed by ApiName (the value StageName and
    OpportunityHistory hold; MasterLabel where an org's API has no ApiName), labelled by MasterLabel. The org
    has one pipeline of stages, in SortOrder."""
    label = record.get("MasterLabel") or record.get("ApiName")
    stage = record.get("ApiName") or label
    if not stage:
        raise BadRecord(record.get("Id"), "stage without ApiName or MasterLabel")
    probability = as_decimal(record.get("DefaultProbability"), "DefaultProbability", str(stage))
    return {
        "connection": ctx.connection,
        "stage": str(stage),
        "label": str(label),
        "pipeline": None,
        "pipeline_label": None,
        "pipeline_order": None,
        "is_closed": as_bool(record.get("IsClosed")),
        "is_won": as_bool(record.get("IsWon")),
        "is_active": record.get("IsActive") in (None, "") or as_bool(record.get("IsActive")),
        "probability": None if probability is None else float(probability) / 100,
        "display_order": as_int(record.get("SortOrder"), "SortOrder", str(stage)),
    }


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


def salesforce_line_item(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce OpportunityLineItem (with Product2.Family) -> product_line row."""
    sid = require_id(record, "Id")
    opp = record.get("OpportunityId")
    if not opp:
        raise BadRecord(sid, "line item without OpportunityId")
    return {
        "connection": ctx.connection,
        "source_id": sid,
        "opportunity_source_id": str(opp),
        "family": record.get("Product2.Family"),
        "total_price": as_decimal(record.get("TotalPrice"), "TotalPrice", sid),
        "deleted_at": ctx.now if as_bool(record.get("IsDeleted")) else None,
        "last_seen_run": ctx.run_id,
    }


def salesforce_currency(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce CurrencyType -> currency_rate row. ConversionRate is units of the currency per corporate unit,
    so the rate into the corporate currency is its inverse."""
    code = record.get("IsoCode")
    rate = as_decimal(record.get("ConversionRate"), "ConversionRate", str(code))
    if not code or rate is None or rate <= 0:
        raise BadRecord(str(code), "currency without IsoCode or a positive ConversionRate")
    return {"currency": str(code), "origin": f"crm:{ctx.connection}", "rate": _inverse(rate), "updated_at": ctx.now}


def salesforce_dated_rate(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce DatedConversionRate -> dated_currency_rate row (the inverse rate, as for CurrencyType)."""
    sid = require_id(record, "Id")
    code = record.get("IsoCode")
    rate = as_decimal(record.get("ConversionRate"), "ConversionRate", sid)
    start = as_date(record.get("StartDate"), "StartDate", sid)
    if not code or rate is None or rate <= 0 or start is None:
        raise BadRecord(sid, "dated rate without IsoCode, StartDate or a positive ConversionRate")
    return {
        "origin": f"crm:{ctx.connection}", "source_id": sid, "currency": str(code)[:3], "start_date": start,
        "next_start_date": as_date(record.get("NextStartDate"), "NextStartDate", sid), "rate": _inverse(rate),
        "updated_at": ctx.now,
    }  # fmt: skip


def _inverse(conversion_rate: Decimal) -> Decimal:
    """1 / ConversionRate to more digits than the store keeps (it rounds to 18 decimals on every dialect)."""
    with localcontext() as exact:
        exact.prec = 40
        return Decimal(1) / conversion_rate
