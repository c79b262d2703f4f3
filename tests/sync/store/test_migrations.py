"""The migrations build exactly the models' schema, idempotently, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import select

from sync import SourceAccount, build_engine, current_revision, head_revision, schema_diff, session, upgrade


def test_upgrade_twice_reaches_head_and_matches_the_models(database_url: str) -> None:
    engine = build_engine(database_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()
    assert schema_diff(engine) == []
    engine.dispose()


def test_the_suites_store_fixture_is_the_migrated_schema(store) -> None:
    """The `store` fixture copies a store migrated once per test process (tests/conftest.py): the copy is at head
    and matches the models as a migrated store does, and its sequences start afresh."""
    assert current_revision(store) == head_revision()
    assert schema_diff(store) == []
    with session(store) as s, s.begin():
        s.add(SourceAccount(connection="sf", crm="salesforce", source_id="001A", account_key="sf:001A"))
    with session(store) as s:
        assert [row.id for row in s.exec(select(SourceAccount)).all()] == [1]


def test_db_upgrade_command_is_idempotent(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "accountsync", "db", "upgrade"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert f"store at revision {head_revision()}" in done.stdout


def test_money_and_time_round_trip_exactly(database_url: str) -> None:
    engine = build_engine(database_url)
    upgrade(engine)
    stamp = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with session(engine) as s:
        s.add(
            SourceAccount(
                connection="sf",
                crm="salesforce",
                source_id="001A",
                annual_revenue=Decimal("1234.56"),
                modstamp=stamp,
            )
        )
        s.commit()
    with session(engine) as s:
        row = s.exec(select(SourceAccount)).one()
    assert row.annual_revenue == Decimal("1234.56")
    assert row.modstamp == stamp.astimezone(UTC)
    assert row.modstamp is not None
    assert row.modstamp.tzinfo is not None
    engine.dispose()


def test_unreachable_store_is_one_clear_line() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/none"}
    done = subprocess.run(
        [sys.executable, "-m", "accountsync", "db", "upgrade"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "cannot reach the store" in done.stderr
    assert "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr + done.stdout
