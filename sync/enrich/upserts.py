"""Enrichment rows written to the store by upserts that count what changed: a reload of the same data writes
nothing. PostgreSQL stages each batch with COPY; SQLite takes one DB-API executemany."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session, SQLModel

STAGE = "enrich_stage"


def write_rows(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> int:
    """Upsert `rows` (unique on `keys`, no key twice) setting the `update` columns, but only where one of the
    `compare` columns differs from what is stored. Returns how many rows were inserted or changed."""
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        return _copy_upsert(session, table, rows, keys, update, compare)
    return _many_upsert(session, table, rows, keys, update, compare)


def _upsert_sql(quote: Callable[[str], str], table: Table, source: str, columns: Sequence[str],
                keys: Sequence[str], update: Sequence[str], compare: Sequence[str]) -> str:  # fmt: skip
    """`INSERT ... <source> ON CONFLICT (keys) DO UPDATE SET ... WHERE <a compared column differs>`."""
    target = quote(table.name)
    sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
    changed = " OR ".join(f"{target}.{quote(c)} IS DISTINCT FROM excluded.{quote(c)}" for c in compare)
    return (f"INSERT INTO {target} ({', '.join(quote(c) for c in columns)}) {source} "  # our own names, quoted
            f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {sets} WHERE {changed}")  # fmt: skip


def _many_upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> int:
    """One DB-API executemany, values through the columns' own bind processors (the stored form SQLAlchemy
    would write): ten times faster than building each row's parameters in SQLAlchemy; SQLite counts the rows
    an upsert inserted or changed, never the ones its WHERE left alone."""
    connection = session.connection()
    columns = list(rows[0])
    processors = [table.c[c].type.bind_processor(connection.dialect) for c in columns]
    params = [tuple(v if p is None else p(v) for v, p in zip(row.values(), processors, strict=True)) for row in rows]
    placeholders = ", ".join("?" for _ in columns)
    sql = _upsert_sql(connection.dialect.identifier_preparer.quote, table, f"VALUES ({placeholders})", columns, keys,
                      update, compare).replace("IS DISTINCT FROM", "IS NOT")  # fmt: skip
    raw: Any = connection.connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _copy_upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> int:
    """COPY into a temporary table like the target, then one INSERT ... SELECT ... ON CONFLICT: several times
    faster than executemany on PostgreSQL, in the session's transaction."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    names = ", ".join(quote(c) for c in columns)
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (LIKE {quote(table.name)}) ON COMMIT DROP")
        with cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.execute(_upsert_sql(quote, table, f"SELECT {names} FROM {STAGE}", columns, keys, update, compare)
                       + " RETURNING 1")  # fmt: skip
        written = len(cursor.fetchall())
        cursor.execute(f"DROP TABLE {STAGE}")
    return written
