"""Write one connector page into the store: rows upserted, deletes and merges marked, skips recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, SQLModel, col, select

from connectors import Page
from connectors.people_streams import people_streams
from sync import normalise as n
from sync import normalise_related as r
from sync.normalise import BadRecord, Context, Row
from sync.people_rows import PEOPLE_ROWS, after_people_page
from sync.tables import (
    CurrencyRate,
    DatedCurrencyRate,
    Opportunity,
    ProductLine,
    Quarantine,
    SourceAccount,
    StageHistory,
    StageMeta,
)
from sync.upsert import upsert


@dataclass(frozen=True, slots=True)
class Target:
    """Where a stream's rows go and how one record becomes rows."""

    model: type[SQLModel]
    keys: tuple[str, ...]
    to_rows: Callable[[Mapping[str, Any], Context], list[Row]]
    counted: bool = True  # inserted/updated are told apart (tables with a source_id)
    after: Callable[[Session, Context, list[dict[str, Any]]], int] | None = None  # merges and the like: deleted


def _one(fn: Callable[[Mapping[str, Any], Context], Row]) -> Callable[[Mapping[str, Any], Context], list[Row]]:
    return lambda record, ctx: [fn(record, ctx)]


RECORD_KEYS = ("connection", "source_id")
TARGETS: dict[tuple[str, str], Target] = {
    ("salesforce", "Account"): Target(SourceAccount, RECORD_KEYS, _one(n.salesforce_account)),
    ("salesforce", "Opportunity"): Target(Opportunity, RECORD_KEYS, _one(n.salesforce_opportunity)),
    ("salesforce", "OpportunityHistory"): Target(
        StageHistory, ("connection", "opportunity_source_id", "stage", "entered_at"), r.salesforce_stage_history, False
    ),
    ("salesforce", "OpportunityStage"): Target(
        StageMeta, ("connection", "stage"), _one(r.salesforce_stage_meta), False
    ),
    ("salesforce", "OpportunityLineItem"): Target(ProductLine, RECORD_KEYS, _one(r.salesforce_line_item)),
    ("salesforce", "CurrencyType"): Target(CurrencyRate, ("currency", "origin"), _one(r.salesforce_currency), False),
    ("salesforce", "DatedConversionRate"): Target(
        DatedCurrencyRate, ("origin", "source_id"), _one(r.salesforce_dated_rate), False
    ),
    ("hubspot", "companies"): Target(SourceAccount, RECORD_KEYS, _one(n.hubspot_company)),
    ("hubspot", "deals"): Target(Opportunity, RECORD_KEYS, _one(n.hubspot_deal)),
    ("hubspot", "pipelines"): Target(StageMeta, ("connection", "stage"), _one(r.hubspot_stage_meta), False),
}
TARGETS.update({
    stream: Target(PEOPLE_ROWS[kind].model, RECORD_KEYS, _one(PEOPLE_ROWS[kind].to_row),
                   after=after_people_page if kind == "person" else None)
    for stream, kind in people_streams().items()
})  # fmt: skip


@dataclass
class PageOutcome:
    """What storing one page did."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: list[tuple[str | None, str]] | None = None
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # record id, CRM field, why stored empty


def store_page(session: Session, *, crm: str, obj: str, page: Page, ctx: Context) -> PageOutcome:
    """Upsert the page's records and mark its deletes; the caller commits with the position."""
    target = TARGETS[(crm, obj)]
    outcome = PageOutcome(read=len(page.records), skipped=[(s.record_id, s.reason) for s in page.skipped])
    rows: list[Row] = []
    for record in page.records:
        try:
            rows.extend(target.to_rows(record, ctx))
        except BadRecord as exc:
            outcome.skipped = [*(outcome.skipped or []), (exc.record_id or _guess_id(record), exc.reason)]
    for row in rows:  # fields stored empty because they could not be stored or were implausible
        outcome.warnings += [(str(row["source_id"]), name, why) for name, why in row.pop(n.ISSUES, ())]
    if target.counted and rows:
        existing = _existing(session, target.model, ctx.connection, [row["source_id"] for row in rows])
        outcome.inserted = sum(1 for row in rows if row["source_id"] not in existing)
        # a live row that arrives deleted (Salesforce IsDeleted, HubSpot archived) is a delete, not an update
        outcome.deleted = sum(1 for row in rows if existing.get(row["source_id"]) and row.get("deleted_at"))
        outcome.updated = len(rows) - outcome.inserted - outcome.deleted
    upsert(session, target.model, rows, keys=target.keys, update=_kept_apart(rows, crm, obj, page, ctx))
    if (crm, obj) == ("hubspot", "deals"):
        history = [h for record in page.records for h in _safe(r.hubspot_stage_history, record, ctx)]
        upsert(session, StageHistory, history, keys=("connection", "opportunity_source_id", "stage", "entered_at"))
    if (crm, obj) == ("hubspot", "companies"):
        outcome.deleted += mark_merged(session, ctx, page.records)
    if target.after is not None:
        outcome.deleted += target.after(session, ctx, page.records)
    if target.counted:
        _quarantine(session, ctx, obj, outcome.skipped or [], [row["source_id"] for row in rows])
    if page.deleted_ids and target.counted:
        outcome.deleted += mark_deleted(session, target.model, ctx.connection, page.deleted_ids, ctx.now)
    return outcome


def _kept_apart(rows: list[Row], crm: str, obj: str, page: Page, ctx: Context) -> list[str] | None:
    """The columns to update: all of them, except those filled by fields that failed (their stored values stay)."""
    failed = n.failed_columns(crm, obj, page.field_errors, ctx.link_property)
    if not failed or not rows:
        return None
    return [column for column in rows[0] if column not in failed]


def _quarantine(
    session: Session, ctx: Context, obj: str, skipped: list[tuple[str | None, str]], stored: list[str]
) -> None:
    """Keep skipped records (with their reason) apart; release the ones that now stored fine."""
    rows = [
        {"connection": ctx.connection, "object": obj, "source_id": rid, "reason": reason[:1000], "run_id": ctx.run_id,
         "first_seen_at": ctx.now, "last_seen_at": ctx.now}
        for rid, reason in dict(skipped).items()
        if rid
    ]  # fmt: skip
    upsert(session, Quarantine, rows, keys=("connection", "object", "source_id"),
           update=("reason", "run_id", "last_seen_at"))  # fmt: skip
    for start in range(0, len(stored), 900):
        session.execute(
            delete(Quarantine).where(
                col(Quarantine.connection) == ctx.connection,
                col(Quarantine.object) == obj,
                col(Quarantine.source_id).in_(stored[start : start + 900]),
            )
        )


def _safe(fn: Callable[[Mapping[str, Any], Context], list[Row]], record: Mapping[str, Any], ctx: Context) -> list[Row]:
    try:
        return fn(record, ctx)
    except BadRecord:
        return []


def _guess_id(record: Mapping[str, Any]) -> str | None:
    for key in ("Id", "hs_object_id", "id", "source_id"):
        if record.get(key):
            return str(record[key])
    return None


def _existing(session: Session, model: type[SQLModel], connection: str, ids: list[str]) -> dict[str, bool]:
    """Which of `ids` are stored already, and whether each is live."""
    table: Any = model
    found: dict[str, bool] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        stmt = select(table.source_id, table.deleted_at).where(
            table.connection == connection, col(table.source_id).in_(chunk)
        )
        found.update((source_id, deleted_at is None) for source_id, deleted_at in session.exec(stmt).all())
    return found


def mark_deleted(session: Session, model: type[SQLModel], connection: str, ids: Iterable[str], when: datetime) -> int:
    """Mark rows deleted (kept, with `deleted_at`); returns how many were live."""
    table: Any = model
    count = 0
    id_list = list(ids)
    for start in range(0, len(id_list), 900):
        result = session.execute(
            update(table)
            .where(table.connection == connection, col(table.source_id).in_(id_list[start : start + 900]))
            .where(col(table.deleted_at).is_(None))
            .values(deleted_at=when)
        )
        count += result.rowcount  # type: ignore[attr-defined]
    return count


def mark_merged(session: Session, ctx: Context, records: list[dict[str, Any]]) -> int:
    """HubSpot: ids in a survivor's `hs_merged_object_ids` follow the survivor and leave the live set."""
    count = 0
    for record in records:
        merged = str(record.get("hs_merged_object_ids") or "")
        victims = [v.strip() for v in merged.split(";") if v.strip()]
        survivor = str(record.get("hs_object_id") or record.get("id") or "")
        if not victims or not survivor:
            continue
        result = session.execute(
            update(SourceAccount)
            .where(col(SourceAccount.connection) == ctx.connection, col(SourceAccount.source_id).in_(victims))
            .where(or_(col(SourceAccount.merged_into).is_(None), col(SourceAccount.merged_into) != survivor))
            .values(merged_into=survivor, deleted_at=ctx.now)
        )
        count += result.rowcount  # type: ignore[attr-defined]
    return count
