"""Bench helper: an empty store per backend for one bench run (an SQLite file, a PostgreSQL schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from sync.store.engine import normalise_url

PG_DSN = os.environ.get("ACCOUNTSYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def stores(names: list[str], folder: Path) -> Iterator[dict[str, str]]:
    """Backend -> URL of an empty store: an SQLite file in `folder`, a PostgreSQL schema of its own on
    `PG_DSN` (dropped afterwards)."""
    urls, schema = {}, f"bench_{uuid.uuid4().hex[:10]}"
    if "sqlite" in names:
        urls["sqlite"] = f"sqlite:///{folder / 'store.db'}"
    if "postgresql" in names:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        urls["postgresql"] = f"{normalise_url(PG_DSN)}?options=-csearch_path%3D{schema}"
    try:
        yield urls
    finally:
        if "postgresql" in urls:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
