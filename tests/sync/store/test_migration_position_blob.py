"""Migration 0015: the Bulk job id and locator leave the cursor table's columns for the connector's opaque blob."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from connectors import Position
from sync import build_engine, head_revision, schema_diff, session, upgrade
from sync.pull.cursors import load
from sync.store.migrate import _config

T = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
OLD = sa.table(
    "stream_cursor",
    *(sa.column(name, sa.String) for name in ("job", "connection", "stream", "mode", "last_id")),
    sa.column("bulk_job_id", sa.String),
    sa.column("bulk_locator", sa.String),
    sa.column("window_end", sa.DateTime),
    sa.column("state", sa.JSON(none_as_null=True)),
)
SEGMENTS = {"window": [1, 9], "segments": [[1, 9, 42, None]]}
# As the code before 0015 left them: a Bulk read mid-chunk, a Bulk read at a chunk's end (locator of the next),
# a HubSpot search mid-window, a Salesforce deletes page that found the window past getDeleted's reach, and a
# finished window (no position).
ROWS: list[dict[str, Any]] = [
    {"stream": "OpportunityHistory", "mode": "bulk", "last_id": "008A", "bulk_job_id": "750X", "bulk_locator": "",
     "state": {"sweep_id": 3, "position_cursor": T.isoformat(), "extra": {"offset": 100}}},
    {"stream": "Opportunity", "mode": "bulk", "last_id": "006B", "bulk_job_id": "750Y", "bulk_locator": "MTUw",
     "state": {"sweep_id": None, "position_cursor": None, "extra": {"offset": 0}}},
    {"stream": "companies", "mode": "search", "last_id": "42", "bulk_job_id": None, "bulk_locator": None,
     "state": {"sweep_id": None, "position_cursor": T.isoformat(), "extra": SEGMENTS}},
    {"stream": "Account", "mode": "deleted", "last_id": None, "bulk_job_id": None, "bulk_locator": None,
     "state": {"sweep_id": None, "position_cursor": T.isoformat(),
               "extra": {"complete": True, "needs_full_resync": True}}},
    {"stream": "Contact", "mode": None, "last_id": None, "bulk_job_id": None, "bulk_locator": None,
     "state": {"needs_full_read": True}},
]  # fmt: skip


def _old_store(url: str) -> Engine:
    engine = build_engine(url)
    upgrade(engine, "0014")
    with engine.begin() as conn:
        for row in ROWS:
            conn.execute(sa.insert(OLD).values(job="j", connection="c", window_end=T.replace(tzinfo=None), **row))
    return engine


def _position(engine: Engine, stream: str) -> Position | None:
    with session(engine) as s:
        return load(s, job="j", connection="c", stream=stream).position


def test_upgrade_moves_the_bulk_columns_and_the_connector_state_into_the_blob(database_url: str) -> None:
    engine = _old_store(database_url)
    assert upgrade(engine) == head_revision()
    assert schema_diff(engine) == []
    assert _position(engine, "OpportunityHistory") == Position(
        "bulk", T, "008A", blob={"job_id": "750X", "locator": "", "offset": 100}
    )
    assert _position(engine, "Opportunity") == Position(
        "bulk", None, "006B", blob={"job_id": "750Y", "locator": "MTUw", "offset": 0}
    )
    assert _position(engine, "companies") == Position("search", T, "42", blob=SEGMENTS)
    assert _position(engine, "Account") == Position("deleted", T, None, complete=True, needs_full_resync=True)
    assert _position(engine, "Contact") is None
    with session(engine) as s:
        assert load(s, job="j", connection="c", stream="Contact").needs_full is True
        assert load(s, job="j", connection="c", stream="OpportunityHistory").sweep_id == 3
    engine.dispose()


def test_downgrade_puts_the_bulk_columns_back(database_url: str) -> None:
    engine = _old_store(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0014")
    with engine.connect() as conn:
        back = {r["stream"]: dict(r) for r in conn.execute(sa.select(OLD)).mappings()}
    for row in ROWS:
        assert {k: back[row["stream"]][k] for k in row} == row
    engine.dispose()
