"""Breakage on purpose (`CHAOS_BREAK=...`), done by the harness behind the product's back, so the suite is
seen to catch what it claims to catch. Nothing here changes product code.

- `checkpoint`: between a kill and the rerun, every stream's position is committed ahead of its data: the
  cursor jumps to the end of the window being read (streams not begun are marked read up to now). This is
  what a sync that saved positions before (or without) their pages would leave; the rerun then skips records.
- `writeback`: between a kill and the rerun, the write-ahead marks of pending batches are dropped, as a
  write-back without its pending ledger would: a batch that landed before the kill is sent again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import text

from chaos.stack import HS_OBJECTS, JOB, SF_OBJECTS, Stack

__all__ = ["MODES", "break_checkpoint", "break_writeback_ledger"]

MODES: Final = ("checkpoint", "writeback")


def break_checkpoint(stack: Stack, now: datetime | None = None) -> int:
    """Commit every stream's position ahead of its data; returns the streams moved."""
    moment = now or datetime.now(UTC)
    streams = [(crm, s) for crm, objects in (("salesforce", SF_OBJECTS), ("hubspot", HS_OBJECTS))
               if crm in stack.spec.crms for s in objects]  # fmt: skip
    with stack.engine().begin() as conn:
        known = {(r[0], r[1]) for r in conn.execute(text("SELECT connection, stream FROM stream_cursor WHERE job = :j"),
                                                    {"j": JOB})}  # fmt: skip
        conn.execute(
            text("UPDATE stream_cursor SET cursor_value = COALESCE(window_end, :now), window_start = NULL, "
                 "window_end = NULL, mode = NULL, last_id = NULL, position_blob = NULL, state = NULL "
                 "WHERE job = :j"),
            {"now": _param(stack, moment), "j": JOB},
        )  # fmt: skip
        for connection, stream in streams:
            if (connection, stream) not in known:
                conn.execute(
                    text("INSERT INTO stream_cursor (job, connection, stream, cursor_value) VALUES (:j, :c, :s, :now)"),
                    {"j": JOB, "c": connection, "s": stream, "now": _param(stack, moment)},
                )
    return len(streams)


def break_writeback_ledger(stack: Stack) -> int:
    """Forget the pending marks of the write-back ledger (rows only marked, never written, go entirely)."""
    with stack.engine().begin() as conn:
        gone = conn.execute(text("DELETE FROM writeback_ledger WHERE value_hash IS NULL")).rowcount
        cleared = conn.execute(
            text("UPDATE writeback_ledger SET pending_hash = NULL, pending_text = NULL, pending_run = NULL "
                 "WHERE pending_hash IS NOT NULL")
        ).rowcount  # fmt: skip
    return int(gone or 0) + int(cleared or 0)


def _param(stack: Stack, moment: datetime) -> object:
    """SQLite keeps naive UTC (as the product's column type does); PostgreSQL takes the aware value."""
    return moment.replace(tzinfo=None) if stack.spec.backend == "sqlite" else moment
