"""Canonical people records (`connectors.people`) -> store rows; a contact's own association lists -> relation rows.

Nothing here names a CRM field: the connectors emitted canonical keys. Merges follow the survivor: a record that
says it was merged away (`merged_into`) is stored deleted with its survivor; a survivor's `merged_from` ids are
marked merged. A contact whose CRM keeps its companies and deal roles on the contact (`companies`/`deals` not
None) has them stored as relation rows, replaced at each read, so a contact moved to another company moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, or_, update
from sqlmodel import Session, SQLModel, col

from connectors import BadRecord, PeopleKind, Row, require_id
from connectors import RowContext as Context
from sync.store.people_tables import AccountContact, Contact, CrmUser, DealContact, TeamMember
from sync.store.upsert import upsert

__all__ = ["PEOPLE_ROWS", "PeopleTarget", "after_people_page"]

KEYS: Final = ("connection", "source_id")


@dataclass(frozen=True, slots=True)
class PeopleTarget:
    """Where a people kind is stored and how one canonical record becomes a row."""

    model: type[SQLModel]
    to_row: Callable[[Mapping[str, Any], Context], Row]


def _deleted(record: Mapping[str, Any], ctx: Context) -> Any:
    return ctx.now if record.get("deleted") or record.get("merged_into") else None


def _base(record: Mapping[str, Any], ctx: Context) -> Row:
    return {"connection": ctx.connection, "source_id": require_id(record, "source_id"),
            "deleted_at": _deleted(record, ctx), "last_seen_run": ctx.run_id}  # fmt: skip


def _needs(record: Mapping[str, Any], *names: str) -> None:
    missing = [n for n in names if not record.get(n)]
    if missing:
        raise BadRecord(str(record.get("source_id") or "") or None, f"missing {', '.join(missing)}")


def contact_row(r: Mapping[str, Any], ctx: Context) -> Row:
    companies = r.get("companies")
    deals = r.get("deals")
    return {
        **_base(r, ctx), "account_source_id": r.get("account_source_id"), "first_name": r.get("first_name"),
        "last_name": r.get("last_name"), "name": r.get("name") or _joined(r), "title": _cut(r.get("title")),
        "email": _cut(r.get("email")), "owner_source_id": r.get("owner_source_id"),
        "last_activity_at": r.get("last_activity_at"), "created_at": r.get("created_at"),
        "modified_at": r.get("modified_at"), "merged_into": r.get("merged_into"),
        "companies": list(companies) if companies is not None else None,
        "deals": [list(d) for d in deals] if deals is not None else None,
    }  # fmt: skip


def _joined(r: Mapping[str, Any]) -> str | None:
    name = " ".join(str(p) for p in (r.get("first_name"), r.get("last_name")) if p)
    return name or None


def _cut(value: Any) -> str | None:
    return None if value is None else str(value)[:255]


def account_contact_row(r: Mapping[str, Any], ctx: Context) -> Row:
    _needs(r, "contact_source_id", "account_source_id")
    return {**_base(r, ctx), "contact_source_id": r["contact_source_id"], "account_source_id": r["account_source_id"],
            "direct": bool(r.get("direct")), "active": bool(r.get("active", True)), "roles": r.get("roles"),
            "ended_on": r.get("ended_on")}  # fmt: skip


def deal_contact_row(r: Mapping[str, Any], ctx: Context) -> Row:
    _needs(r, "opportunity_source_id", "contact_source_id")
    return {**_base(r, ctx), "opportunity_source_id": r["opportunity_source_id"],
            "contact_source_id": r["contact_source_id"], "role": r.get("role"),
            "is_primary": bool(r.get("primary"))}  # fmt: skip


def team_member_row(r: Mapping[str, Any], ctx: Context) -> Row:
    _needs(r, "account_source_id", "user_source_id")
    return {**_base(r, ctx), "account_source_id": r["account_source_id"], "user_source_id": r["user_source_id"],
            "role": r.get("role")}  # fmt: skip


def crm_user_row(r: Mapping[str, Any], ctx: Context) -> Row:
    return {**_base(r, ctx), "name": r.get("name"), "email": r.get("email"), "title": _cut(r.get("title")),
            "team": _cut(r.get("team")), "active": bool(r.get("active", True))}  # fmt: skip


PEOPLE_ROWS: Final[Mapping[PeopleKind, PeopleTarget]] = {
    "person": PeopleTarget(Contact, contact_row),
    "account_contact": PeopleTarget(AccountContact, account_contact_row),
    "deal_contact": PeopleTarget(DealContact, deal_contact_row),
    "team_member": PeopleTarget(TeamMember, team_member_row),
    "crm_user": PeopleTarget(CrmUser, crm_user_row),
}


def after_people_page(session: Session, ctx: Context, records: list[dict[str, Any]]) -> int:
    """After a page of contacts is upserted: merges followed, own association lists stored as relation rows.
    Returns how many stored contacts the page marked merged away."""
    merged = _mark_merged(session, ctx, records)
    for record in records:
        if not record.get("source_id") or (record.get("companies") is None and record.get("deals") is None):
            continue
        _replace_relations(session, ctx, record)
    return merged


def _mark_merged(session: Session, ctx: Context, records: list[dict[str, Any]]) -> int:
    count = 0
    for record in records:
        victims = [str(v) for v in record.get("merged_from") or [] if v]
        survivor = str(record.get("source_id") or "")
        if not victims or not survivor:
            continue
        result = session.execute(
            update(Contact)
            .where(col(Contact.connection) == ctx.connection, col(Contact.source_id).in_(victims))
            .where(or_(col(Contact.merged_into).is_(None), col(Contact.merged_into) != survivor))
            .values(merged_into=survivor, deleted_at=ctx.now)
        )
        count += result.rowcount  # type: ignore[attr-defined]
        for model in (AccountContact, DealContact):  # a merged-away contact's relations are the survivor's now
            table: Any = model
            session.execute(delete(table).where(table.connection == ctx.connection,
                                                col(table.contact_source_id).in_(victims)))  # fmt: skip
    return count


def _replace_relations(session: Session, ctx: Context, record: Mapping[str, Any]) -> None:
    contact = str(record["source_id"])
    gone = bool(record.get("deleted") or record.get("merged_into"))
    primary = record.get("account_source_id")
    if record.get("companies") is not None:
        companies = [] if gone else [str(c) for c in record["companies"]]
        rows = [{"connection": ctx.connection, "source_id": f"{contact}:{c}", "contact_source_id": contact,
                 "account_source_id": c, "direct": c == primary, "active": True, "roles": None, "ended_on": None,
                 "deleted_at": None, "last_seen_run": ctx.run_id} for c in dict.fromkeys(companies)]  # fmt: skip
        _swap(session, AccountContact, ctx, contact, rows)
    if record.get("deals") is not None:
        deals = [] if gone else [(str(d), role) for d, role in record["deals"]]
        rows = [{"connection": ctx.connection, "source_id": f"{d}:{contact}:{role or ''}", "opportunity_source_id": d,
                 "contact_source_id": contact, "role": role, "is_primary": False, "deleted_at": None,
                 "last_seen_run": ctx.run_id} for d, role in dict.fromkeys(deals)]  # fmt: skip
        _swap(session, DealContact, ctx, contact, rows)


def _swap(session: Session, model: type[SQLModel], ctx: Context, contact: str, rows: list[Row]) -> None:
    table: Any = model
    keep = [row["source_id"] for row in rows]
    stmt = delete(table).where(table.connection == ctx.connection, table.contact_source_id == contact)
    if keep:
        stmt = stmt.where(col(table.source_id).not_in(keep))
    session.execute(stmt)
    upsert(session, model, rows, keys=KEYS)
