"""CRM records -> store rows: the values each connector converts once at its edge, and the shape of the mapping.

A connector maps its CRM's field names onto the store's columns (`connectors/<crm>/rows.py`); `sync` sees only
the rows and the `StreamMap` that says which table they go to. Nothing here knows a CRM's field name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

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


RowContext = Context  # its name on the package's surface (`connectors.RowContext`), where `Context` alone says little


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


def with_issues(row: Row, issues: Issues) -> Row:
    return row | {ISSUES: issues} if issues else row


def as_bool(value: Any) -> bool:
    """CRM booleans: True/False or the strings `true`/`false`."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def text(value: Any, limit: int) -> str | None:
    """Text clipped to its column; NUL dropped (PostgreSQL text cannot hold it: one such name failed the page)."""
    if value in (None, ""):
        return None
    return str(value).replace("\x00", "")[:limit] or None


def raw(record: Mapping[str, Any]) -> dict[str, Any]:
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


def base(ctx: Context, source_id: str) -> Row:
    return {"connection": ctx.connection, "crm": ctx.crm, "source_id": source_id, "last_seen_run": ctx.run_id,
            "updated_at": ctx.now}  # fmt: skip


def count(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> int | None:
    return not_negative(issues, lenient(issues, as_int, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def revenue(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> Decimal | None:
    return not_negative(issues, lenient(issues, as_decimal, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def stamp(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> datetime | None:
    return in_years(issues, lenient(issues, as_datetime, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def day(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> date | None:
    return in_years(issues, lenient(issues, as_date, record.get(field), field, sid), field)  # type: ignore[no-any-return]


def parent(issues: Issues, record: Mapping[str, Any], field: str, sid: str) -> str | None:
    parent = text(record.get(field), 64)
    if parent == sid:
        issues.append((field, f"{field} is the record itself: an account cannot be its own parent, stored empty"))
        return None
    return parent


def opportunity_type(raw_type: str | None, ctx: Context) -> str:
    return ctx.opportunity_types.get(raw_type or "", "other")


def amount(issues: Issues, record: Mapping[str, Any], field: str, sid: str, *, won: bool) -> Decimal | None:
    """The amount; a won deal's negative amount is implausible (a credit note is not a sale)."""
    amount: Decimal | None = lenient(issues, as_decimal, record.get(field), field, sid)
    return not_negative(issues, amount, field) if won else amount


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


Normaliser = Callable[[Mapping[str, Any], Context], Row]


MapKind = Literal[
    "accounts", "opportunities", "stage_history", "stage_meta", "line_items", "rates", "dated_rates",
    "person", "account_contact", "deal_contact", "team_member", "crm_user",  # people: canonical (connectors.people)
]  # fmt: skip
Merges = Callable[[Mapping[str, Any]], tuple[str, list[str]] | None]


@dataclass(frozen=True, slots=True)
class StreamMap:
    """How one CRM object's records become store rows: the connector's side of the boundary.

    `kind` names the store table the rows go to; `rows` maps one record (a `BadRecord` skips it); `related` maps
    the stage changes a record carries with it (HubSpot deals); `merges` gives (survivor, merged ids) of a record
    that absorbed others; `field_columns` maps a CRM field to the columns it fills, so a field that could not be
    read (schema drift) keeps their stored values; `id_fields` are where a record's id is, in order; `audited`:
    the object's live count is compared with the store's after each run.
    """

    kind: MapKind
    rows: Callable[[Mapping[str, Any], Context], list[Row]]
    related: Callable[[Mapping[str, Any], Context], list[Row]] | None = None
    merges: Merges | None = None
    field_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    link_columns: tuple[str, ...] = ()  # columns filled by the job's link property (its name is per deployment)
    id_fields: tuple[str, ...] = ("id",)
    audited: bool = False

    def failed_columns(self, failed_fields: Iterable[str], link_property: str) -> set[str]:
        """The store columns filled by fields that could not be read: their stored values must be kept."""
        columns = dict(self.field_columns)
        if self.link_columns:
            columns[link_property] = self.link_columns
        return {column for name in failed_fields for column in columns.get(name, ())}

    def record_id(self, record: Mapping[str, Any]) -> str | None:
        """The record's id, where the CRM puts it (None when it has none)."""
        for key in self.id_fields:
            if record.get(key):
                return str(record[key])
        return None


def canonical(record: Mapping[str, Any], _ctx: Context) -> list[Row]:
    """A record the connector already emitted in canonical keys (people streams): sync makes its row."""
    return [dict(record)]


def one(fn: Callable[[Mapping[str, Any], Context], Row]) -> Callable[[Mapping[str, Any], Context], list[Row]]:
    """A one-row mapping as a mapping to rows."""
    return lambda record, ctx: [fn(record, ctx)]
