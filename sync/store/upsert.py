"""Insert-or-update many rows with one cached statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, case, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import ColumnCollection
from sqlmodel import Session, SQLModel

from sync.store.tables import MERGED_FIELDS

BATCH = 500


def upsert(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> int:
    """Upsert `rows` on the unique `keys`; `update` columns (default: all but the keys) take the new values.

    Returns the number of rows sent. Rows must all carry the same columns.
    """
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = list(rows[0])
    to_update = [c for c in (update if update is not None else columns) if c not in keys]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    if to_update:
        set_ = {c: stmt.excluded[c] for c in to_update} | _field_changes(table, stmt.excluded, to_update, dialect)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=set_)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # One statement with bound parameters, executed over the rows (executemany; SQLAlchemy batches it into
    # multi-row VALUES where the driver benefits): compiled once and cached, where a statement carrying its
    # rows' values had to be compiled afresh for every batch (most of a page's cost).
    for start in range(0, len(rows), BATCH):
        session.execute(stmt, [dict(row) for row in rows[start : start + BATCH]])
    return len(rows)


def _field_changes(
    table: Table, excluded: ColumnCollection[str, Any], updated: Sequence[str], dialect: str
) -> dict[str, ColumnElement[Any]]:
    """`source_account.field_changed_at`, compared inside the upsert (no read first): per merged field, the new
    modstamp where the pulled value differs from the stored one, else the stored stamp (the stored modstamp
    when none yet). A pull whose only change is the modstamp (our own write-back) leaves every stamp alone;
    a field not updated (it failed to read) keeps its stamp with its value."""
    if table.name != "source_account" or "modstamp" not in updated:
        return {}
    pg = dialect == "postgresql"
    pairs: list[ColumnElement[Any]] = []
    for name in MERGED_FIELDS:
        kept, stamp = _stamps(table.c, excluded, name, pg=pg)
        changed = excluded[name].is_distinct_from(table.c[name])
        # keys inlined: PostgreSQL cannot type a bound parameter of json_build_object's variadic "any"
        pairs += [literal_column(f"'{name}'"), case((changed, stamp), else_=kept) if name in updated else kept]
    return {"field_changed_at": (func.json_build_object if pg else func.json_object)(*pairs)}


def _stamps(
    stored: ColumnCollection[str, Any], new: ColumnCollection[str, Any], name: str, *, pg: bool
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The field's stored stamp (else the stored modstamp) and the pulled modstamp, as values of the JSON."""
    if pg:  # a json column: `->` keeps the stored JSON string as it is, `to_json` writes an ISO stamp
        entry = stored.field_changed_at.op("->")(literal_column(f"'{name}'"))
        return func.coalesce(entry, func.to_json(stored.modstamp)), func.to_json(new.modstamp)
    return func.coalesce(func.json_extract(stored.field_changed_at, f"$.{name}"), stored.modstamp), new.modstamp
