"""CRM records (already converted at the connector's edge) -> store rows, one function per stream kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.identity.domains import normalise_domain

Row = dict[str, Any]
MONEY_LIMIT = Decimal(10) ** 18  # money columns are NUMERIC(28, 10): 18 digits before the point
INT_LIMIT = 2**31 - 1  # integer columns are 32-bit on PostgreSQL


class BadRecord(ValueError):
    """A record that cannot be normalised; `record_id` and the message say which and why."""

    def __init__(self, record_id: str | None, reason: str) -> None:
        self.record_id = record_id
        self.reason = reason
        super().__init__(f"{record_id or '<no id>'}: {reason}")


@dataclass(frozen=True, slots=True)
class Context:
    """What normalisation needs beyond the record."""

    connection: str
    crm: str
    run_id: int
    now: datetime
    opportunity_types: Mapping[str, str]
    link_property: str = "salesforce_account_id"


def require_id(record: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return str(value)
    raise BadRecord(None, f"missing id ({'/'.join(names)})")


def as_decimal(value: Any, field: str, record_id: str) -> Decimal | None:
    """A money value as Decimal; None for empty; BadRecord for text."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadRecord(record_id, f"{field} is not a number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise BadRecord(record_id, f"{field} is not a finite number")
    if abs(number) >= MONEY_LIMIT:  # the store would refuse it, failing the whole page with it
        raise BadRecord(record_id, f"{field} is out of range: {str(value)[:40]!r}")
    return number


def as_int(value: Any, field: str, record_id: str) -> int | None:
    """An integer; None for empty; BadRecord for text."""
    number = as_decimal(value, field, record_id)
    if number is not None and abs(number) > INT_LIMIT:
        raise BadRecord(record_id, f"{field} is out of range: {str(value)[:40]!r}")
    return None if number is None else int(number)


def as_datetime(value: Any, field: str, record_id: str) -> datetime | None:
    """An aware UTC datetime from a datetime, ISO text or epoch milliseconds."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value)
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise BadRecord(record_id, f"{field} is not a date-time: {text[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_date(value: Any, field: str, record_id: str) -> date | None:
    """A calendar date (UTC) from a date, datetime, ISO text or epoch milliseconds."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    stamp = as_datetime(value, field, record_id)
    return None if stamp is None else stamp.astimezone(UTC).date()


Issues = list[tuple[str, str]]  # (CRM field, why it was stored empty): data-quality warnings of one record
ISSUES = "_issues"  # the row key carrying them to the page store, which takes them off before the upsert
YEARS = (1900, 2199)  # a date outside these years is not a business date (0001-01-01, 9999-12-31)


def lenient(issues: Issues, convert: Callable[[Any, str, str], Any], value: Any, field: str, record_id: str) -> Any:
    """`convert(value, field, record_id)`, or None with a data-quality issue when the value cannot be stored:
    one bad field empties that field, never the record."""
    try:
        return convert(value, field, record_id)
    except BadRecord as exc:
        issues.append((field, exc.reason))
        return None


def not_negative(issues: Issues, value: Any, field: str) -> Any:
    """`value`, or None with an issue when it is below zero (employees, revenue, a won amount)."""
    if value is not None and value < 0:
        issues.append((field, f"{field} is negative ({value}): implausible, stored empty"))
        return None
    return value


def in_years(issues: Issues, value: Any, field: str) -> Any:
    """`value` (a date or date-time), or None with an issue when its year is not a business year."""
    if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
        issues.append((field, f"{field} is {value.isoformat()[:10]}: implausible, stored empty"))
        return None
    return value


def _with_issues(row: Row, issues: Issues) -> Row:
    return row | {ISSUES: issues} if issues else row


def as_bool(value: Any) -> bool:
    """CRM booleans: True/False or the strings `true`/`false`."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _text(value: Any, limit: int) -> str | None:
    """Text clipped to its column; NUL dropped (PostgreSQL text cannot hold it: one such name failed the page)."""
    if value in (None, ""):
        return None
    return str(value).replace("\x00", "")[:limit] or None


def _raw(record: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of the record, for auditing."""
    safe: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, datetime | date):
            safe[key] = value.isoformat()
        elif isinstance(value, Decimal):
            safe[key] = str(value)
        elif isinstance(value, str):
            safe[key] = value.replace("\x00", "")[:2000]
        elif isinstance(value, int | float | bool) or value is None:
            safe[key] = value
    return safe


def _base(ctx: Context, source_id: str) -> Row:
    return {"connection": ctx.connection, "crm": ctx.crm, "source_id": source_id, "last_seen_run": ctx.run_id,
            "updated_at": ctx.now}  # fmt: skip


def salesforce_account(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce Account -> source_account row."""
    sid = require_id(record, "Id")
    deleted = as_bool(record.get("IsDeleted"))
    modstamp = as_datetime(record.get("SystemModstamp"), "SystemModstamp", sid)
    issues: Issues = []
    row = _base(ctx, sid) | {
        "name": _text(record.get("Name"), 512),
        "domain": normalise_domain(record.get("Website")),
        "industry": _text(record.get("Industry"), 128),
        "employees": _count(issues, record, "NumberOfEmployees", sid),
        "annual_revenue": _revenue(issues, record, "AnnualRevenue", sid),
        "country": _text(record.get("BillingCountry"), 128),
        "owner": _text(record.get("OwnerId"), 128),
        "parent_source_id": _parent(issues, record, "ParentId", sid),
        "link_id": _text(record.get("HubSpot_Company_Id__c"), 64),
        "merged_into": _text(record.get("MasterRecordId"), 64),
        "currency": _text(record.get("CurrencyIsoCode"), 3),
        "created_at": _stamp(issues, record, "CreatedDate", sid),
        "modstamp": modstamp,
        "deleted_at": (modstamp or ctx.now) if deleted else None,
        "raw": _raw(record),
    }
    return _with_issues(row, issues)


def hubspot_company(record: Mapping[str, Any], ctx: Context) -> Row:
    """HubSpot company (flattened properties) -> source_account row."""
    sid = require_id(record, "hs_object_id", "id")
    modstamp = as_datetime(record.get("hs_lastmodifieddate"), "hs_lastmodifieddate", sid)
    archived = as_bool(record.get("archived"))
    issues: Issues = []
    row = _base(ctx, sid) | {
        "name": _text(record.get("name"), 512),
        "domain": normalise_domain(record.get("domain")),
        "industry": _text(record.get("industry"), 128),
        "employees": _count(issues, record, "numberofemployees", sid),
        "annual_revenue": _revenue(issues, record, "annualrevenue", sid),
        "country": _text(record.get("country"), 128),
        "owner": _text(record.get("hubspot_owner_id"), 128),
        "parent_source_id": _parent(issues, record, "hs_parent_company_id", sid),
        "link_id": _text(record.get(ctx.link_property), 64),
        "merged_into": None,
        "currency": None,
        "created_at": _stamp(issues, record, "createdate", sid),
        "modstamp": modstamp,
        "deleted_at": (as_datetime(record.get("archivedAt"), "archivedAt", sid) or ctx.now) if archived else None,
        "raw": _raw(record),
    }
    return _with_issues(row, issues)


def _count(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> int | None:
    return not_negative(issues, lenient(issues, as_int, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def _revenue(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> Decimal | None:
    return not_negative(issues, lenient(issues, as_decimal, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def _stamp(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> datetime | None:
    return in_years(issues, lenient(issues, as_datetime, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def _day(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> date | None:
    return in_years(issues, lenient(issues, as_date, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def _parent(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> str | None:
    parent = _text(record.get(field), 64)
    if parent == sid:
        issues.append((field, f"{field} is the record itself: an account cannot be its own parent, stored empty"))
        return None
    return parent


def _opportunity_type(raw_type: str | None, ctx: Context) -> str:
    return ctx.opportunity_types.get(raw_type or "", "other")


def salesforce_opportunity(record: Mapping[str, Any], ctx: Context) -> Row:
    """Salesforce Opportunity -> opportunity row."""
    sid = require_id(record, "Id")
    modstamp = as_datetime(record.get("SystemModstamp"), "SystemModstamp", sid)
    issues: Issues = []
    probability = lenient(issues, as_decimal, record.get("Probability"), "Probability", sid)
    raw_type = _text(record.get("Type"), 128)
    is_won = as_bool(record.get("IsWon"))
    row = _base(ctx, sid) | {
        "account_source_id": _text(record.get("AccountId"), 64),
        "name": _text(record.get("Name"), 512),
        "amount": _amount(issues, record, "Amount", sid, won=is_won),
        "currency": _text(record.get("CurrencyIsoCode"), 3),
        "stage": _text(record.get("StageName"), 128),
        "is_closed": as_bool(record.get("IsClosed")),
        "is_won": is_won,
        "probability": None if probability is None else float(probability) / 100,
        "close_date": _day(issues, record, "CloseDate", sid),
        "created_at": _stamp(issues, record, "CreatedDate", sid),
        "type": _opportunity_type(raw_type, ctx),
        "raw_type": raw_type,
        "recurring": True,
        "term_months": _count(issues, record, "Term_Months__c", sid),
        "start_date": _day(issues, record, "Start_Date__c", sid),
        "modstamp": modstamp,
        "deleted_at": (modstamp or ctx.now) if as_bool(record.get("IsDeleted")) else None,
        "raw": _raw(record),
    }
    return _with_issues(row, issues)


def hubspot_deal(record: Mapping[str, Any], ctx: Context) -> Row:
    """HubSpot deal (flattened properties, `_associations`) -> opportunity row."""
    sid = require_id(record, "hs_object_id", "id")
    modstamp = as_datetime(record.get("hs_lastmodifieddate"), "hs_lastmodifieddate", sid)
    associations = record.get("_associations") or {}
    raw_type = _text(record.get("dealtype"), 128)
    archived = as_bool(record.get("archived"))
    issues: Issues = []
    is_won = as_bool(record.get("hs_is_closed_won"))
    probability = lenient(issues, as_decimal, record.get("hs_deal_stage_probability"), "hs_deal_stage_probability",
                          sid)  # fmt: skip
    row = _base(ctx, sid) | {
        "account_source_id": _text(associations.get("primary_company"), 64),
        "name": _text(record.get("dealname"), 512),
        "amount": _amount(issues, record, "amount", sid, won=is_won),
        "currency": _text(record.get("deal_currency_code"), 3),
        "stage": _text(record.get("dealstage"), 128),
        "is_closed": as_bool(record.get("hs_is_closed")),
        "is_won": is_won,
        "probability": _float(probability),
        "close_date": _day(issues, record, "closedate", sid),
        "created_at": _stamp(issues, record, "createdate", sid),
        "type": _opportunity_type(raw_type, ctx),
        "raw_type": raw_type,
        "recurring": True,
        "term_months": _count(issues, record, "term_months", sid),
        "start_date": _day(issues, record, "start_date", sid),
        "modstamp": modstamp,
        "deleted_at": (as_datetime(record.get("archivedAt"), "archivedAt", sid) or ctx.now) if archived else None,
        "raw": _raw({k: v for k, v in record.items() if not k.startswith("_")}),
    }
    return _with_issues(row, issues)


def _amount(issues: Issues, record: Mapping[str, Any], field: str, sid: str, *, won: bool) -> Decimal | None:
    """The amount; a won deal's negative amount is implausible (a credit note is not a sale)."""
    amount: Decimal | None = lenient(issues, as_decimal, record.get(field), field, sid)
    return not_negative(issues, amount, field) if won else amount


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


Normaliser = Callable[[Mapping[str, Any], Context], Row]

_OPPORTUNITY_COMMON = {"term_months": ("term_months",), "start_date": ("start_date",)}
# CRM field -> the store columns it fills: when a page says a field failed (schema drift), those columns keep
# their stored values instead of being overwritten with nulls.
FIELD_COLUMNS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("salesforce", "Account"): {
        "Name": ("name",), "Website": ("domain",), "Industry": ("industry",), "NumberOfEmployees": ("employees",),
        "AnnualRevenue": ("annual_revenue",), "BillingCountry": ("country",), "OwnerId": ("owner",),
        "ParentId": ("parent_source_id",), "HubSpot_Company_Id__c": ("link_id",), "MasterRecordId": ("merged_into",),
        "CurrencyIsoCode": ("currency",), "CreatedDate": ("created_at",),
    },
    ("salesforce", "Opportunity"): {
        "AccountId": ("account_source_id",), "Name": ("name",), "Amount": ("amount",),
        "CurrencyIsoCode": ("currency",), "StageName": ("stage",), "IsClosed": ("is_closed",), "IsWon": ("is_won",),
        "Probability": ("probability",), "CloseDate": ("close_date",), "CreatedDate": ("created_at",),
        "Type": ("type", "raw_type"), "Term_Months__c": ("term_months",), "Start_Date__c": ("start_date",),
    },
    ("salesforce", "OpportunityLineItem"): {"Product2.Family": ("family",), "TotalPrice": ("total_price",)},
    ("hubspot", "companies"): {
        "name": ("name",), "domain": ("domain",), "industry": ("industry",), "numberofemployees": ("employees",),
        "annualrevenue": ("annual_revenue",), "country": ("country",), "hubspot_owner_id": ("owner",),
        "hs_parent_company_id": ("parent_source_id",), "createdate": ("created_at",),
    },
    ("hubspot", "deals"): {
        "dealname": ("name",), "amount": ("amount",), "deal_currency_code": ("currency",), "dealstage": ("stage",),
        "hs_is_closed": ("is_closed",), "hs_is_closed_won": ("is_won",), "hs_deal_stage_probability": ("probability",),
        "closedate": ("close_date",), "createdate": ("created_at",), "dealtype": ("type", "raw_type"),
        **_OPPORTUNITY_COMMON,
    },
}  # fmt: skip


def failed_columns(crm: str, obj: str, failed_fields: Iterable[str], link_property: str) -> set[str]:
    """The store columns filled by fields that could not be read (schema drift): their values must be kept."""
    columns = FIELD_COLUMNS.get((crm, obj), {})
    if (crm, obj) == ("hubspot", "companies"):
        columns = columns | {link_property: ("link_id",)}
    return {column for name in failed_fields for column in columns.get(name, ())}
