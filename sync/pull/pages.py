"""Write one connector page into the store: rows upserted, deletes and merges marked, skips recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, SQLModel, col, select

from connectors import ISSUES, BadRecord, Merges, Page, Row, StreamMap, stream_map
from connectors import RowContext as Context
from sync.pull.people_rows import PEOPLE_ROWS, after_people_page
from sync.store.tables import (
    CurrencyRate,
    DatedCurrencyRate,
    Opportunity,
    ProductLine,
    Quarantine,
    SourceAccount,
    StageHistory,
    StageMeta,
)
from sync.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class Target:
    """Where a kind of row goes: its table and the columns that key it."""

    model: type[SQLModel]
    keys: tuple[str, ...]
    counted: bool = True  # inserted/updated are told apart (tables with a source_id)
    finish: Callable[[Mapping[str, Any], Context], Row] | None = None  # a canonical record -> its row (people)
    after: Callable[[Session, Context, list[dict[str, Any]]], int] | None = None  # merges and the like: deleted


RECORD_KEYS = ("connection", "source_id")
HISTORY_KEYS = ("connection", "opportunity_source_id", "stage", "entered_at")
TARGETS: dict[str, Target] = {
    "accounts": Target(SourceAccount, RECORD_KEYS),
    "opportunities": Target(Opportunity, RECORD_KEYS),
    "stage_history": Target(StageHistory, HISTORY_KEYS, False),
    "stage_meta": Target(StageMeta, ("connection", "stage"), False),
    "line_items": Target(ProductLine, RECORD_KEYS),
    "rates": Target(CurrencyRate, ("currency", "origin"), False),
    "dated_rates": Target(DatedCurrencyRate, ("origin", "source_id"), False),
}
# People streams: the connectors emit canonical people records (connectors.people); their rows are made here.
TARGETS.update({
    kind: Target(people.model, RECORD_KEYS, finish=people.to_row, after=after_people_page if kind == "person" else None)
    for kind, people in PEOPLE_ROWS.items()
})  # fmt: skip


def stamp_of(model: type[SQLModel]) -> Any:
    """The column holding a stored record's CRM modification stamp (people tables call it `modified_at`)."""
    table: Any = model
    return table.modstamp if hasattr(table, "modstamp") else table.modified_at


def target_of(crm: str, obj: str) -> Target:
    """The table the connector's mapping of `obj` fills."""
    return TARGETS[stream_map(crm, obj).kind]


@dataclass
class PageOutcome:
    """What storing one page did."""

    read: int = 0
    inserted: int = 0
    updated: int = 0  # stored before and changed since (a record read again as stored is neither)
    deleted: int = 0
    skipped: list[tuple[str | None, str]] | None = None
    counted: bool = True  # False: a table keyed by its content (stage history, rates): inserts and updates are
    # not told apart, so inserted/updated stay 0 and the run shows them as '-'
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # record id, CRM field, why stored empty


def store_page(session: Session, *, crm: str, obj: str, page: Page, ctx: Context) -> PageOutcome:
    """Upsert the page's records and mark its deletes; the caller commits with the position."""
    mapping = stream_map(crm, obj)
    target = TARGETS[mapping.kind]
    outcome = PageOutcome(read=len(page.records), skipped=[(s.record_id, s.reason) for s in page.skipped],
                          counted=target.counted)  # fmt: skip
    rows: list[Row] = []
    for record in page.records:
        try:
            mapped = mapping.rows(record, ctx)
            rows.extend(mapped if target.finish is None else [target.finish(row, ctx) for row in mapped])
        except BadRecord as exc:
            outcome.skipped = [*(outcome.skipped or []), (exc.record_id or mapping.record_id(record), exc.reason)]
    for row in rows:  # fields stored empty because they could not be stored or were implausible
        outcome.warnings += [(str(row["source_id"]), name, why) for name, why in row.pop(ISSUES, ())]
    if target.counted and rows:
        compared = _compared(target.model, rows[0])
        existing = _existing(session, target.model, ctx.connection, rows, compared)
        outcome.inserted = sum(1 for row in rows if row["source_id"] not in existing)
        live = {source_id for source_id, (alive, _) in existing.items() if alive}
        # a live row that arrives deleted (the CRM's deleted or archived flag) is a delete, not an update
        outcome.deleted = sum(1 for row in rows if row["source_id"] in live and row.get("deleted_at"))
        # a live row read again as it is stored (at the same CRM stamp; by its values where the CRM gives no stamp,
        # as for HubSpot's owners, read whole every run) is unchanged: neither an insert nor an update, only a read
        unchanged = sum(1 for row in rows if row["source_id"] in live and not row.get("deleted_at")
                        and _unchanged(existing[row["source_id"]][1], row, compared))  # fmt: skip
        outcome.updated = len(rows) - outcome.inserted - outcome.deleted - unchanged
    upsert(session, target.model, rows, keys=target.keys, update=_kept_apart(rows, mapping, page, ctx))
    if mapping.related is not None:
        related = mapping.related
        history = [h for record in page.records for h in _safe(related, record, ctx)]
        upsert(session, StageHistory, history, keys=HISTORY_KEYS)
    if mapping.merges is not None:
        outcome.deleted += mark_merged(session, target.model, ctx, mapping.merges, page.records)
    if target.after is not None:
        outcome.deleted += target.after(session, ctx, page.records)
    if target.counted:
        _quarantine(session, ctx, obj, outcome.skipped or [], [row["source_id"] for row in rows])
    if page.deleted_ids and target.counted:
        outcome.deleted += mark_deleted(session, target.model, ctx.connection, page.deleted_ids, ctx.now)
    return outcome


def _kept_apart(rows: list[Row], mapping: StreamMap, page: Page, ctx: Context) -> list[str] | None:
    """The columns to update: all of them, except those filled by fields that failed (their stored values stay)."""
    failed = mapping.failed_columns(page.field_errors, ctx.link_property)
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


def _existing(
    session: Session, model: type[SQLModel], connection: str, rows: list[Row], compared: list[str]
) -> dict[str, tuple[bool, tuple[Any, ...]]]:
    """Which of the rows are stored already: whether each is live, and its stored values of `compared`."""
    table: Any = model
    columns = [getattr(table, name) for name in compared]
    ids = [row["source_id"] for row in rows]
    found: dict[str, tuple[bool, tuple[Any, ...]]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        stmt = select(table.source_id, table.deleted_at, *columns).where(
            table.connection == connection, col(table.source_id).in_(chunk)
        )
        for source_id, deleted_at, *values in session.execute(stmt):
            found[source_id] = (deleted_at is None, tuple(values))
    return found


def _compared(model: type[SQLModel], row: Row) -> list[str]:
    """The columns that tell whether a stored record changed: its CRM modification stamp, or where the CRM gives
    none (HubSpot owners, line items) the values the row carries."""
    for stamp in ("modstamp", "modified_at"):
        if hasattr(model, stamp):
            return [stamp]
    return [name for name in row if name not in _BOOKKEEPING and hasattr(model, name)]


_BOOKKEEPING = frozenset({"connection", "source_id", "deleted_at", "last_seen_run", "run_id"})


def _unchanged(stored: tuple[Any, ...], row: Row, columns: list[str]) -> bool:
    """Whether a row read from the CRM holds what is stored (stamps compare as instants: the store's UTC column
    type hands them back aware, on SQLite too, and refuses a naive one)."""
    return all(kept == row.get(name) for kept, name in zip(stored, columns, strict=True))


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


def mark_merged(
    session: Session, model: type[SQLModel], ctx: Context, merges: Merges, records: list[dict[str, Any]]
) -> int:
    """Ids a survivor absorbed (the CRM's merge) follow the survivor and leave the live set."""
    table: Any = model
    count = 0
    for record in records:
        merged = merges(record)
        if merged is None:
            continue
        survivor, victims = merged
        result = session.execute(
            update(table)
            .where(col(table.connection) == ctx.connection, col(table.source_id).in_(victims))
            .where(or_(col(table.merged_into).is_(None), col(table.merged_into) != survivor))
            .values(merged_into=survivor, deleted_at=ctx.now)
        )
        count += result.rowcount  # type: ignore[attr-defined]
    return count
