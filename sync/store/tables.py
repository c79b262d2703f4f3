"""The store's tables: CRM records as pulled, unified accounts, runs, cursors, scores and the write-back ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from sync.store.columns import Money, Rate, UTCDateTime

MAX_ROW_ID = 2**31 - 1  # integer keys are 32-bit on PostgreSQL: a larger id names no row (and would not bind)


def utcnow() -> datetime:
    """Aware UTC now (the default of every timestamp column)."""
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _money() -> Any:
    return Field(default=None, sa_column=Column(Money(), nullable=True))


def _rate() -> Any:
    return Field(default=None, sa_column=Column(Rate(), nullable=True))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


# The account fields merged across an account key's records by precedence (identity), each with its change stamp in
# `source_account.field_changed_at` (kept by the upsert).
MERGED_FIELDS = ("name", "domain", "industry", "employees", "annual_revenue", "country", "owner")


class SourceAccount(SQLModel, table=True):
    """One account/company record as a CRM holds it (one row per connection and CRM id)."""

    __tablename__ = "source_account"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    crm: str = Field(max_length=16)
    source_id: str = Field(max_length=64)
    account_key: str | None = Field(default=None, max_length=96, index=True)
    name: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=255, index=True)
    industry: str | None = Field(default=None, max_length=128)
    employees: int | None = None
    annual_revenue: Decimal | None = _money()
    country: str | None = Field(default=None, max_length=128)
    owner: str | None = Field(default=None, max_length=128)
    parent_source_id: str | None = Field(default=None, max_length=64)
    link_id: str | None = Field(default=None, max_length=64)
    merged_into: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, max_length=3)
    created_at: datetime | None = _ts()
    modstamp: datetime | None = _ts()
    # merged field -> the modstamp of the pull at which its value last changed (set by `sync.store.upsert`): what
    # `most_recent` precedence compares, as our own write-back moves the modstamp without changing a value.
    # Null (new rows, rows stored before it existed) or a missing field: the row's modstamp.
    field_changed_at: dict[str, Any] | None = _json()
    deleted_at: datetime | None = _ts()
    raw: dict[str, Any] | None = _json()
    last_seen_run: int | None = None
    updated_at: datetime | None = _ts()


class Account(SQLModel, table=True):
    """A unified account across CRMs, keyed by the account key of the identity rules."""

    __tablename__ = "account"

    key: str = Field(primary_key=True, max_length=96)
    name: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=255)
    industry: str | None = Field(default=None, max_length=128)
    employees: int | None = None
    annual_revenue: Decimal | None = _money()
    country: str | None = Field(default=None, max_length=128)
    owner: str | None = Field(default=None, max_length=128)
    parent_key: str | None = Field(default=None, max_length=96)
    # The currency `annual_revenue` is in (its record's, else its CRM's corporate currency); null: ours.
    currency: str | None = Field(default=None, max_length=3)
    wallet_estimate: Decimal | None = _money()
    created_at: datetime | None = _ts()
    deleted_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()


class Opportunity(SQLModel, table=True):
    """An opportunity (Salesforce) or deal (HubSpot), normalised."""

    __tablename__ = "opportunity"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    crm: str = Field(max_length=16)
    source_id: str = Field(max_length=64)
    account_source_id: str | None = Field(default=None, max_length=64)
    account_key: str | None = Field(default=None, max_length=96, index=True)
    name: str | None = Field(default=None, max_length=512)
    amount: Decimal | None = _money()
    currency: str | None = Field(default=None, max_length=3)
    stage: str | None = Field(default=None, max_length=128)
    is_closed: bool = False
    is_won: bool = False
    probability: float | None = None
    close_date: date | None = None
    created_at: datetime | None = _ts()
    type: str = Field(default="other", max_length=32)
    raw_type: str | None = Field(default=None, max_length=128)
    product_line: str | None = Field(default=None, max_length=128)
    owner: str | None = Field(default=None, max_length=128)  # the CRM's owner id of the opportunity/deal
    recurring: bool = True
    term_months: int | None = None
    start_date: date | None = None
    modstamp: datetime | None = _ts()
    deleted_at: datetime | None = _ts()
    raw: dict[str, Any] | None = _json()
    last_seen_run: int | None = None
    updated_at: datetime | None = _ts()


class Quarantine(SQLModel, table=True):
    """A CRM record that could not be normalised: kept out of the store with its reason until it can be."""

    __tablename__ = "quarantine"

    connection: str = Field(primary_key=True, max_length=64)
    object: str = Field(primary_key=True, max_length=64)
    source_id: str = Field(primary_key=True, max_length=64)
    reason: str = Field(max_length=1000)
    run_id: int | None = None
    first_seen_at: datetime | None = _ts()
    last_seen_at: datetime | None = _ts()


class StageHistory(SQLModel, table=True):
    """One entry of an opportunity into a stage."""

    __tablename__ = "stage_history"
    __table_args__ = (UniqueConstraint("connection", "opportunity_source_id", "stage", "entered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    opportunity_source_id: str = Field(max_length=64, index=True)
    stage: str = Field(max_length=128)
    entered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    source_id: str | None = Field(default=None, max_length=64)


class StageMeta(SQLModel, table=True):
    """Stage metadata from OpportunityStage / HubSpot pipelines: one row per stage id (the value a record's
    stage holds; HubSpot stage ids are unique across a portal's pipelines), with its pipeline.

    Salesforce has one pipeline of stages (`pipeline` null, `display_order` = SortOrder); a HubSpot stage has
    its pipeline's id, label and display order. `probability` is 0..1.
    """

    __tablename__ = "stage_meta"

    connection: str = Field(primary_key=True, max_length=64)
    stage: str = Field(primary_key=True, max_length=128)
    label: str | None = Field(default=None, max_length=255)
    pipeline: str | None = Field(default=None, max_length=64)
    pipeline_label: str | None = Field(default=None, max_length=255)
    pipeline_order: int | None = None
    is_closed: bool = False
    is_won: bool = False
    is_active: bool = True
    probability: float | None = None
    display_order: int | None = None


class ProductLine(SQLModel, table=True):
    """One line item of an opportunity, with its product family."""

    __tablename__ = "product_line"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=64)
    opportunity_source_id: str = Field(max_length=64, index=True)
    family: str | None = Field(default=None, max_length=128)
    total_price: Decimal | None = _money()
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None


class CurrencyRate(SQLModel, table=True):
    """Units of corporate currency per unit of `currency`: ours for origin `config`, the CRM's own for
    origin `crm:<connection>` (Salesforce CurrencyType, rebased when scoring reads them)."""

    __tablename__ = "currency_rate"

    currency: str = Field(primary_key=True, max_length=3)
    origin: str = Field(primary_key=True, max_length=64)
    rate: Decimal | None = _rate()
    updated_at: datetime | None = _ts()


class DatedCurrencyRate(SQLModel, table=True):
    """A Salesforce dated exchange rate (DatedConversionRate): units of the org's corporate currency per unit
    of `currency` for opportunities closed from `start_date` until the currency's next range starts."""

    __tablename__ = "dated_currency_rate"

    origin: str = Field(primary_key=True, max_length=64)
    source_id: str = Field(primary_key=True, max_length=64)
    currency: str = Field(max_length=3)
    start_date: date
    next_start_date: date | None = None
    rate: Decimal | None = _rate()
    updated_at: datetime | None = _ts()


class CrmCurrency(SQLModel, table=True):
    """A connection's own corporate currency: the currency of its money values whose record names none."""

    __tablename__ = "crm_currency"

    connection: str = Field(primary_key=True, max_length=64)
    currency: str = Field(max_length=3)
    updated_at: datetime | None = _ts()


class Usage(SQLModel, table=True):
    """Monthly product usage of an account (enrichment)."""

    __tablename__ = "usage"

    account_key: str = Field(primary_key=True, max_length=96)
    month: date = Field(primary_key=True)
    active_users: int | None = None
    licensed_seats: int | None = None
    origin: str | None = Field(default=None, max_length=255)


class AccountEnrichment(SQLModel, table=True):
    """Per-account values from an enrichment source (wallet, firmographics) with the precedence of each field.

    Anchored on one CRM record (connection, source_id) rather than on the account key, so the values follow
    the account when identity re-keys it; every identity pass applies them (see `sync.identity.precedence`).
    `wins` lists the fields the source provides as `field=source|crm`.
    """

    __tablename__ = "account_enrichment"

    source: str = Field(primary_key=True, max_length=64)
    connection: str = Field(primary_key=True, max_length=64)
    source_id: str = Field(primary_key=True, max_length=64)
    wallet_estimate: Decimal | None = _money()
    employees: int | None = None
    annual_revenue: Decimal | None = _money()
    industry: str | None = Field(default=None, max_length=128)
    wins: str = Field(default="", max_length=255)
    run_id: int | None = None
    updated_at: datetime | None = _ts()


class SyncRun(SQLModel, table=True):
    """One run of a job: queued, running, succeeded, partial, failed, stopped_for_budget, cancelled."""

    __tablename__ = "sync_run"
    __table_args__ = (
        UniqueConstraint("job", "scheduled_for", name="uq_sync_run_scheduled"),
        Index("ix_sync_run_job_status", "job", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    kind: str = Field(default="sync", max_length=32)
    status: str = Field(default="queued", max_length=32)
    trigger: str = Field(default="cli", max_length=32)
    params: dict[str, Any] | None = _json()
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
    scheduled_for: datetime | None = _ts()
    requested_at: datetime | None = _ts()
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
    heartbeat_at: datetime | None = _ts()
    worker: str | None = Field(default=None, max_length=128)
    counts: dict[str, Any] | None = _json()
    progress: dict[str, Any] | None = _json()
    api_calls: dict[str, Any] | None = _json()
    errors: list[Any] | None = _json()
    steps: list[Any] | None = _json()  # a whole job's steps in order: name, status, counts, duration, message
    message: str | None = Field(default=None, max_length=2000)


class ApiUsage(SQLModel, table=True):
    """The API calls a job made on a connection in one UTC day, over all its runs (its daily budget share)."""

    __tablename__ = "api_usage"

    job: str = Field(primary_key=True, max_length=64)
    connection: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    calls: int = 0


class StreamCursor(SQLModel, table=True):
    """A stream's position: committed in the same transaction as the page it covers.

    `mode`, `last_id` and `state` (the position's cursor, `complete`, `needs_full_resync`, the sweep, the
    slices) are sync's; `position_blob` is the connector's own resume state (a Bulk job and locator, HubSpot
    search segments), stored as the connector gave it and never read here.
    """

    __tablename__ = "stream_cursor"

    job: str = Field(primary_key=True, max_length=64)
    connection: str = Field(primary_key=True, max_length=64)
    stream: str = Field(primary_key=True, max_length=64)
    cursor_value: datetime | None = _ts()
    window_start: datetime | None = _ts()
    window_end: datetime | None = _ts()
    last_id: str | None = Field(default=None, max_length=64)
    mode: str | None = Field(default=None, max_length=16)
    run_id: int | None = None
    state: dict[str, Any] | None = _json()
    position_blob: dict[str, Any] | None = _json()
    updated_at: datetime | None = _ts()


class JobLock(SQLModel, table=True):
    """Held by the run of a job that is running; no two runs of a job overlap."""

    __tablename__ = "job_lock"

    job: str = Field(primary_key=True, max_length=64)
    run_id: int
    holder: str = Field(max_length=128)
    acquired_at: datetime | None = _ts()
    expires_at: datetime | None = _ts()


class ScoringRun(SQLModel, table=True):
    """One scoring of the portfolio at an as-of date, with its portfolio KPIs and warnings."""

    __tablename__ = "scoring_run"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, index=True)  # the job run that scored (history is per job run)
    as_of: date
    created_at: datetime | None = _ts()
    portfolio: dict[str, Any] | None = _json()
    warnings: list[Any] | None = _json()


class AccountScore(SQLModel, table=True):
    """An account's score and figures in one scoring run (history kept for 'what changed')."""

    __tablename__ = "account_score"

    scoring_run_id: int = Field(primary_key=True)
    account_key: str = Field(primary_key=True, max_length=96)
    score: float | None = None
    tier: str | None = Field(default=None, max_length=1)
    rank: int | None = None
    figures: dict[str, Any] | None = _json()
    reasons: list[Any] | None = _json()
    change_reason: str | None = Field(default=None, max_length=1000)


class WritebackLedger(SQLModel, table=True):
    """What was last written per record and field, as a hash: only changed values are sent."""

    __tablename__ = "writeback_ledger"

    connection: str = Field(primary_key=True, max_length=64)
    object: str = Field(primary_key=True, max_length=64)
    record_id: str = Field(primary_key=True, max_length=64)
    field: str = Field(primary_key=True, max_length=128)
    value_hash: str | None = Field(default=None, max_length=64)
    value_text: str | None = Field(default=None, max_length=4000)
    pending_hash: str | None = Field(default=None, max_length=64)
    pending_text: str | None = Field(default=None, max_length=4000)
    pending_run: int | None = None
    run_id: int | None = None
    written_at: datetime | None = _ts()


class WritebackRejection(SQLModel, table=True):
    """A record the CRM refused, with the CRM's code and message; retried on the next run."""

    __tablename__ = "writeback_rejection"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(index=True)
    connection: str = Field(max_length=64)
    object: str = Field(max_length=64)
    record_id: str = Field(max_length=64)
    code: str = Field(max_length=128)
    message: str = Field(max_length=2000)
    fields: list[Any] | None = _json()
    created_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()


class ApiToken(SQLModel, table=True):
    """An admin-API bearer token, stored hashed, with its role."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=128, unique=True)
    created_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()
    last_used_at: datetime | None = _ts()


class DashboardSession(SQLModel, table=True):
    """A dashboard sign-in: the cookie's random id stored only as a hash, its token, expiry and revocation."""

    __tablename__ = "dashboard_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=128, unique=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    created_at: datetime | None = _ts()
    expires_at: datetime | None = _ts(nullable=False)
    revoked_at: datetime | None = _ts()


class TargetListMember(SQLModel, table=True):
    """A record we made a member of a CRM list (or that the CRM refused): only membership changes are sent."""

    __tablename__ = "target_list_member"

    connection: str = Field(primary_key=True, max_length=64)
    list_name: str = Field(primary_key=True, max_length=200)
    record_id: str = Field(primary_key=True, max_length=64)
    list_id: str = Field(max_length=64)
    account_key: str | None = Field(default=None, max_length=96)
    rejected: str | None = Field(default=None, max_length=2000)  # the CRM's reason; null: a member
    published_at: datetime | None = _ts()
