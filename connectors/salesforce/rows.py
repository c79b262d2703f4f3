"""Salesforce records -> store rows: Account, Opportunity, OpportunityHistory, OpportunityStage,
OpportunityLineItem, CurrencyType and DatedConversionRate, each field converted once."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

from connectors.domains import normalise_domain
from connectors.rows import (
    BadRecord,
    Context,
    Issues,
    Row,
    StreamMap,
    amount,
    as_bool,
    as_date,
    as_datetime,
    as_decimal,
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


def salesforce_account(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce Account -> source_account row."""
    sid = require_id(record, "Id")
    deleted = as_bool(record.get("IsDeleted"))
    modstamp = as_datetime(record.get("SystemModstamp"), "SystemModstamp", sid)
    issues: Issues = []
    row = base(ctx, sid) | {
        "name": text(record.get("Name"), 512),
        "domain": normalise_domain(record.get("Website")),
        "industry": text(record.get("Industry"), 128),
        "employees": count(issues, record, "NumberOfEmployees", sid),
        "annual_revenue": revenue(issues, record, "AnnualRevenue", sid),
        "country": text(record.get("BillingCountry"), 128),
        "owner": text(record.get("OwnerId"), 128),
        "parent_source_id": parent(issues, record, "ParentId", sid),
        "link_id": text(record.get("HubSpot_Company_Id__c"), 64),
        "merged_into": text(record.get("MasterRecordId"), 64),
        "currency": text(record.get("CurrencyIsoCode"), 3),
        "created_at": stamp(issues, record, "CreatedDate", sid),
        "modstamp": modstamp,
        "deleted_at": (modstamp or ctx.now) if deleted else None,
        "raw": raw(record),
    }
    return with_issues(row, issues)


def salesforce_opportunity(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce Opportunity -> opportunity row."""
    sid = require_id(record, "Id")
    modstamp = as_datetime(record.get("SystemModstamp"), "SystemModstamp", sid)
    issues: Issues = []
    probability = lenient(issues, as_decimal, record.get("Probability"), "Probability", sid)
    raw_type = text(record.get("Type"), 128)
    is_won = as_bool(record.get("IsWon"))
    row = base(ctx, sid) | {
        "account_source_id": text(record.get("AccountId"), 64),
        "name": text(record.get("Name"), 512),
        "amount": amount(issues, record, "Amount", sid, won=is_won),
        "currency": text(record.get("CurrencyIsoCode"), 3),
        "stage": text(record.get("StageName"), 128),
        "owner": text(record.get("OwnerId"), 128),
        "is_closed": as_bool(record.get("IsClosed")),
        "is_won": is_won,
        "probability": None if probability is None else float(probability) / 100,
        "close_date": day(issues, record, "CloseDate", sid),
        "created_at": stamp(issues, record, "CreatedDate", sid),
        "type": opportunity_type(raw_type, ctx),
        "raw_type": raw_type,
        "recurring": True,
        "term_months": count(issues, record, "Term_Months__c", sid),
        "start_date": day(issues, record, "Start_Date__c", sid),
        "modstamp": modstamp,
        "deleted_at": (modstamp or ctx.now) if as_bool(record.get("IsDeleted")) else None,
        "raw": raw(record),
    }
    return with_issues(row, issues)


def salesforce_stage_history(record: Mapping[str, Any], ctx: Context) -> list[Row]:
    """Salesforce OpportunityHistory -> one stage_history row."""
    sid = require_id(record, "Id")
    opp = record.get("OpportunityId")
    entered = as_datetime(record.get("CreatedDate"), "CreatedDate", sid)
    if not opp or not record.get("StageName") or entered is None:
        raise BadRecord(sid, "history row without OpportunityId, StageName or CreatedDate")
    return [{"connection": ctx.connection, "opportunity_source_id": str(opp), "stage": str(record["StageName"]),
             "entered_at": entered, "source_id": sid}]  # fmt: skip


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


# CRM field -> the store columns it fills: when a page says a field failed (schema drift), those columns keep
# their stored values instead of being overwritten with nulls.
ACCOUNT_COLUMNS = {
    "Name": ("name",), "Website": ("domain",), "Industry": ("industry",), "NumberOfEmployees": ("employees",),
    "AnnualRevenue": ("annual_revenue",), "BillingCountry": ("country",), "OwnerId": ("owner",),
    "ParentId": ("parent_source_id",), "HubSpot_Company_Id__c": ("link_id",), "MasterRecordId": ("merged_into",),
    "CurrencyIsoCode": ("currency",), "CreatedDate": ("created_at",),
}  # fmt: skip
OPPORTUNITY_COLUMNS = {
    "AccountId": ("account_source_id",), "Name": ("name",), "Amount": ("amount",),
    "CurrencyIsoCode": ("currency",), "StageName": ("stage",), "IsClosed": ("is_closed",), "IsWon": ("is_won",),
    "Probability": ("probability",), "CloseDate": ("close_date",), "CreatedDate": ("created_at",),
    "Type": ("type", "raw_type"), "Term_Months__c": ("term_months",), "Start_Date__c": ("start_date",),
    "OwnerId": ("owner",),
}  # fmt: skip
IDS = ("Id",)
MAPS: dict[str, StreamMap] = {
    "Account": StreamMap("accounts", one(salesforce_account), field_columns=ACCOUNT_COLUMNS, id_fields=IDS,
                         audited=True),
    "Opportunity": StreamMap("opportunities", one(salesforce_opportunity), field_columns=OPPORTUNITY_COLUMNS,
                             id_fields=IDS, audited=True),
    "OpportunityHistory": StreamMap("stage_history", salesforce_stage_history, id_fields=IDS),
    "OpportunityStage": StreamMap("stage_meta", one(salesforce_stage_meta), id_fields=IDS),
    "OpportunityLineItem": StreamMap("line_items", one(salesforce_line_item), id_fields=IDS,
                                     field_columns={"Product2.Family": ("family",), "TotalPrice": ("total_price",)}),
    "CurrencyType": StreamMap("rates", one(salesforce_currency), id_fields=IDS),
    "DatedConversionRate": StreamMap("dated_rates", one(salesforce_dated_rate), id_fields=IDS),
}  # fmt: skip
