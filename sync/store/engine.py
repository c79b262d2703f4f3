"""Build the store's engine from a URL; nothing connects at import time."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from sync.errors import StoreError


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def build_engine(url: str) -> Engine:
    """An engine for `url` (SQLite file or PostgreSQL); SQLite gets WAL and a busy timeout.

    Raises:
        StoreError: the URL is not one accountsync supports.
    """
    try:
        parsed = make_url(normalise_url(url))
    except Exception as exc:
        raise StoreError(f"DATABASE_URL is not a database URL ({type(exc).__name__})") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), parsed.database)
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    raise StoreError(f"unsupported store `{backend}`: use sqlite:///FILE or postgresql://...")


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):  # a URI filename names no folder
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy own transactions; WAL lets readers run beside one writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session(engine: Engine) -> Session:
    """A session that keeps loaded values after commit."""
    return Session(engine, expire_on_commit=False)
