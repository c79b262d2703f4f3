"""Apply identity to the store: account keys on every source record and opportunity, unified account rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, bindparam, update
from sqlmodel import Session, SQLModel, col, select

from sync.identity.keys import AccountRecord, assign_keys, merge_values
from sync.identity.precedence import load_overrides, overlay, set_wallets
from sync.store.currency import crm_currencies
from sync.store.engine import session
from sync.store.tables import Account, Opportunity, SourceAccount, utcnow
from sync.store.upsert import upsert


@dataclass(frozen=True, slots=True)
class IdentityOutcome:
    """What an identity pass changed."""

    accounts: int
    live_accounts: int
    rekeyed_records: int
    rekeyed_opportunities: int


_LOADED = ("connection", "crm", "source_id", "domain", "link_id", "merged_into", "deleted_at", "modstamp", "created_at",
           "parent_source_id", "name", "industry", "employees", "annual_revenue", "country", "owner", "account_key",
           "field_changed_at", "currency")  # fmt: skip


def _load(engine: Engine) -> list[AccountRecord]:
    """Every source account, as identity needs it: the columns it reads, not ORM objects with their raw records
    (decoding each record's raw JSON was more than half of an identity pass). A record's currency is the one
    it names, else its CRM's corporate currency."""
    table: Table = SourceAccount.__table__  # type: ignore[attr-defined]
    own = crm_currencies(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[name] for name in _LOADED))).all()
    return [
        AccountRecord(
            connection=r.connection, crm=r.crm, source_id=r.source_id, domain=r.domain, link_id=r.link_id,
            merged_into=r.merged_into, deleted=r.deleted_at is not None, modstamp=r.modstamp, created_at=r.created_at,
            parent_source_id=r.parent_source_id,
            values={"name": r.name, "domain": r.domain, "industry": r.industry, "employees": r.employees,
                    "annual_revenue": r.annual_revenue, "country": r.country, "owner": r.owner,
                    "key": r.account_key, "currency": r.currency or own.get(r.connection)},
            changed_at=_stamps(r.field_changed_at),
        )
        for r in rows
    ]  # fmt: skip


def _stamps(stored: Mapping[str, Any] | None) -> dict[str, datetime]:
    """`field_changed_at` as aware datetimes: ISO text with an offset (PostgreSQL), naive UTC (SQLite)."""
    stamps: dict[str, datetime] = {}
    for name, text in (stored or {}).items():
        if isinstance(text, str):
            stamp = datetime.fromisoformat(text)
            stamps[name] = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamps


def apply_identity(engine: Engine, *, precedence: Mapping[str, str], default: str) -> IdentityOutcome:
    """Recompute every account key and rebuild the unified accounts (deterministic and idempotent).

    `precedence` names, per field, the CRM whose value wins (or `most_recent`); `default` rules the others.
    """
    records = _load(engine)
    keys = assign_keys(records)
    groups: dict[str, list[AccountRecord]] = defaultdict(list)
    for r in records:
        groups[keys[r.ref]].append(r)
    changed: list[dict[str, str | None]] = [
        {"c": r.connection, "s": r.source_id, "k": keys[r.ref]} for r in records if r.values.get("key") != keys[r.ref]
    ]
    now = utcnow()
    rows = [_account_row(key, group, keys, precedence, default, now) for key, group in groups.items()]
    with session(engine) as s, s.begin():
        overrides = load_overrides(s, keys)  # enrichment sources: firmographics by their precedence, wallets
        rows = [overlay(row, overrides.get(str(row["key"]))) for row in rows]
        if changed:
            _set_keys(s, SourceAccount, changed)
        upsert(s, Account, _changed_accounts(s, rows), keys=("key",))
        _retire_stale_keys(s, set(groups), now)
        set_wallets(s, overrides, now)
        moved = _rekey_opportunities(s)
    live = sum(1 for row in rows if row["deleted_at"] is None)
    return IdentityOutcome(len(rows), live, len(changed), moved)


def _account_row(
    key: str,
    group: list[AccountRecord],
    keys: Mapping[tuple[str, str], str],
    precedence: Mapping[str, str],
    default: str,
    now: datetime,
) -> dict[str, object]:
    values = merge_values(group, precedence, default)
    live = [r for r in group if not r.deleted]
    parent = next((r for r in live if r.parent_source_id), None)
    parent_key = keys.get((parent.connection, parent.parent_source_id or "")) if parent else None
    created = [r.created_at for r in group if r.created_at]
    return {
        "key": key,
        **values,
        "parent_key": parent_key if parent_key != key else None,
        "created_at": min(created) if created else None,
        "deleted_at": None if live else now,
        "updated_at": now,
    }


def _changed_accounts(s: Session, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The account rows that differ from what is stored (new ones included): an unchanged account is not
    rewritten, so its `updated_at` says when it last changed and a run over a large store writes little."""
    compared = [c for c in rows[0] if c not in ("key", "updated_at", "deleted_at")] if rows else []
    table: Table = Account.__table__  # type: ignore[attr-defined]
    stored = {r.key: r for r in s.connection().execute(select(table.c.key, table.c.deleted_at,
                                                              *(table.c[c] for c in compared)))}  # fmt: skip
    changed = []
    for row in rows:
        old = stored.get(str(row["key"]))
        if (
            old is None
            or (old.deleted_at is None) != (row["deleted_at"] is None)
            or any(_differs(getattr(old, c), row[c]) for c in compared)
        ):
            changed.append(row)
    return changed


def _differs(stored: object, value: object) -> bool:
    if isinstance(stored, Decimal) and isinstance(value, int | float | Decimal):
        return stored != Decimal(str(value))
    return stored != value


def _rekey_opportunities(s: Session) -> int:
    """Give every opportunity its account's key (the one its source account now holds), in one statement the
    database runs: an incremental run over a large store need not bring every opportunity into Python."""
    o: Table = Opportunity.__table__  # type: ignore[attr-defined]
    a: Table = SourceAccount.__table__  # type: ignore[attr-defined]
    key = (
        select(a.c.account_key)
        .where(a.c.connection == o.c.connection, a.c.source_id == o.c.account_source_id)
        .scalar_subquery()
    )
    result = s.connection().execute(o.update().where(o.c.account_key.is_distinct_from(key)).values(account_key=key))
    return int(result.rowcount)


def _set_keys(s: Session, model: type[SQLModel], changes: list[dict[str, str | None]]) -> None:
    """Executemany of `account_key = k WHERE connection = c AND source_id = s` (Core, no ORM bookkeeping)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    stmt = (
        table.update()
        .where(table.c.connection == bindparam("c"), table.c.source_id == bindparam("s"))
        .values(account_key=bindparam("k"))
    )
    s.connection().execute(stmt, changes)


def _retire_stale_keys(s: Session, current: set[str], now: datetime) -> None:
    """A key no record maps to any more (its records joined another account) is no longer a live account."""
    stored = s.exec(select(Account.key).where(col(Account.deleted_at).is_(None))).all()
    stale = [key for key in stored if key not in current]
    for start in range(0, len(stale), 900):
        s.execute(update(Account).where(col(Account.key).in_(stale[start : start + 900])).values(deleted_at=now))
