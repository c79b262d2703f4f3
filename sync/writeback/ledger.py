"""The write-back ledger: what was last written per record and field, with a write-ahead pending value so
that a batch the CRM accepted just before a crash is recognised, not sent twice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from connectors import WriteResult
from sync.store.tables import WritebackLedger, WritebackRejection, utcnow
from sync.store.upsert import upsert
from sync.writeback.figures import value_hash

Key = tuple[str, str]  # (record_id, field)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger cell."""

    value_hash: str | None
    value_text: str | None
    pending_hash: str | None
    pending_text: str | None


def load(session: Session, connection: str, obj: str) -> dict[Key, Entry]:
    """Every ledger cell of one target object."""
    rows = session.exec(
        select(WritebackLedger).where(WritebackLedger.connection == connection, WritebackLedger.object == obj)
    ).all()
    return {(r.record_id, r.field): Entry(r.value_hash, r.value_text, r.pending_hash, r.pending_text) for r in rows}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:4000]


def mark_pending(
    session: Session, connection: str, obj: str, updates: Sequence[tuple[str, Mapping[str, Any]]], run_id: int
) -> None:
    """Before a batch is sent: remember what it will write."""
    rows = [
        {"connection": connection, "object": obj, "record_id": rid, "field": f, "pending_hash": value_hash(v),
         "pending_text": _text(v), "pending_run": run_id}
        for rid, values in updates
        for f, v in values.items()
    ]  # fmt: skip
    upsert(session, WritebackLedger, rows, keys=("connection", "object", "record_id", "field"))


def commit_written(
    session: Session, connection: str, obj: str, written: Iterable[tuple[str, Mapping[str, Any]]], run_id: int
) -> int:
    """The CRM accepted these values: they become the ledger's last-written values."""
    now = utcnow()
    rows = [
        {"connection": connection, "object": obj, "record_id": rid, "field": f, "value_hash": value_hash(v),
         "value_text": _text(v), "pending_hash": None, "pending_text": None, "pending_run": None, "run_id": run_id,
         "written_at": now}
        for rid, values in written
        for f, v in values.items()
    ]  # fmt: skip
    upsert(session, WritebackLedger, rows, keys=("connection", "object", "record_id", "field"))
    ids = list({row["record_id"] for row in rows})
    for start in range(0, len(ids), 900):
        session.execute(
            update(WritebackRejection)
            .where(col(WritebackRejection.connection) == connection, col(WritebackRejection.object) == obj)
            .where(col(WritebackRejection.record_id).in_(ids[start : start + 900]))
            .where(col(WritebackRejection.resolved_at).is_(None))
            .values(resolved_at=now)
        )
    return len(rows)


def clear_pending(session: Session, connection: str, obj: str, record_ids: Sequence[str]) -> None:
    """The values were not written (rejected, or not sent): the next run plans them again."""
    for start in range(0, len(record_ids), 900):
        session.execute(
            update(WritebackLedger)
            .where(col(WritebackLedger.connection) == connection, col(WritebackLedger.object) == obj)
            .where(col(WritebackLedger.record_id).in_(list(record_ids[start : start + 900])))
            .values(pending_hash=None, pending_text=None, pending_run=None)
        )


def reject(session: Session, connection: str, obj: str, results: Sequence[WriteResult], run_id: int) -> None:
    """Store the CRM's refusals with its code and message."""
    now = utcnow()
    for r in results:
        session.add(
            WritebackRejection(
                run_id=run_id, connection=connection, object=obj, record_id=r.record_id, code=r.code or "UNKNOWN",
                message=(r.message or "")[:2000], fields=list(r.fields), created_at=now,
            )
        )  # fmt: skip
