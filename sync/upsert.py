"""Insert-or-update many rows in one statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

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
    for start in range(0, len(rows), BATCH):
        stmt = insert(table).values(list(rows[start : start + BATCH]))
        if to_update:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in to_update})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt)
    return len(rows)
