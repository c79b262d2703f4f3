"""A read-only SQL enrichment source: SQLite opened `mode=ro`, PostgreSQL transactions READ ONLY; the result
streamed (server-side cursor) and handed out as batches of text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sync.enrich.sources import ROW, EnrichSourceError, OpenSource
from sync.store.engine import normalise_url


@contextmanager
def sql_source(name: str, url: str, query: str, *, batch_rows: int) -> Iterator[OpenSource]:
    """Run `query` read-only; its columns and its rows in batches (values as text, as a CSV would give them).

    Raises:
        EnrichSourceError: the database cannot be reached, or the query fails (a write refused included).
    """
    engine = readonly_engine(name, url)
    origin = make_url(normalise_url(url)).render_as_string(hide_password=True)
    connection = None
    try:
        connection = engine.connect()
        result = _execute(connection, query, batch_rows)
        columns = tuple(map(str, result.keys()))
    except SQLAlchemyError as exc:
        if connection is not None:
            connection.close()
        engine.dispose()
        raise EnrichSourceError(name, f"{origin}: {getattr(exc, 'orig', None) or exc}") from None
    try:
        yield OpenSource(origin, columns, lambda selected: _frames(name, origin, result, columns, selected,
                                                                   batch_rows), is_sheet=False)  # fmt: skip
    finally:
        connection.close()
        engine.dispose()


def _execute(connection: Connection, query: str, batch_rows: int) -> CursorResult[Any]:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    return connection.execution_options(stream_results=True, yield_per=batch_rows).execute(text(query))


def _frames(name: str, origin: str, result: CursorResult[Any], columns: Sequence[str], selected: Mapping[str, str],
            batch_rows: int) -> Iterator[pl.DataFrame]:  # fmt: skip
    positions = {ours: columns.index(theirs) for ours, theirs in selected.items()}
    start = 1
    try:
        for part in result.partitions(batch_rows):
            data: dict[str, list[Any]] = {ROW: list(range(start, start + len(part)))}
            for ours, i in positions.items():
                data[ours] = [None if row[i] is None else str(row[i]) for row in part]
            schema = {ROW: pl.UInt32, **dict.fromkeys(positions, pl.String)}
            yield pl.DataFrame(data, schema=schema)
            start += len(part)
    except SQLAlchemyError as exc:
        raise EnrichSourceError(name, f"{origin}: {getattr(exc, 'orig', None) or exc}") from None


def readonly_engine(name: str, url: str) -> Engine:
    """An engine that cannot write: SQLite opened with `mode=ro` (and `query_only`), PostgreSQL sessions whose
    every transaction is READ ONLY.

    Raises:
        EnrichSourceError: the URL is not an SQLite or PostgreSQL URL.
    """
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise EnrichSourceError(name, "database_url is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise EnrichSourceError(name, "an SQLite source needs a database file")
        uri = Path(parsed.database).resolve().as_uri() + "?mode=ro"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
        event.listen(engine, "connect", _sqlite_query_only)
        return engine
    if backend == "postgresql":
        engine = create_engine(parsed)
        event.listen(engine, "connect", _postgres_read_only)
        return engine
    raise EnrichSourceError(name, f"unsupported database `{backend}`: use sqlite:///FILE or postgresql://...")


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
    # psycopg 3 then opens every transaction with BEGIN READ ONLY.
    dbapi_connection.read_only = True
