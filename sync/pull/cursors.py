"""Stream positions: read at the start of a stream, written in the same transaction as each page.

A position's typed fields are sync's (its mode, cursor, last id, `complete`, `needs_full_resync`); its blob is
the connector's resume state, stored as given and handed back on resume, never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from connectors import Position, Window
from sync.store.tables import StreamCursor, utcnow

NEEDS_FULL = "needs_full_read"


@dataclass(frozen=True, slots=True)
class StreamState:
    """A stream's stored state: the committed cursor, and the window in progress with its position."""

    cursor: datetime | None
    window: Window | None
    position: Position | None
    sweep_id: int | None
    needs_full: bool = False  # the last window could not see every delete: the next read is a full one


def load(session: Session, *, job: str, connection: str, stream: str) -> StreamState:
    """The stream's state; an empty one for a stream never read."""
    row = session.get(StreamCursor, (job, connection, stream))
    if row is None:
        return StreamState(None, None, None, None)
    window = Window(row.window_start, row.window_end) if row.window_end is not None else None
    state = row.state or {}
    position = None
    if row.mode is not None:
        position = Position(
            mode=row.mode,
            cursor=_parse(state.get("position_cursor")),
            last_id=row.last_id,
            complete=bool(state.get("complete")),
            needs_full_resync=bool(state.get("needs_full_resync")),
            blob=row.position_blob or {},
        )
    return StreamState(row.cursor_value, window, position, state.get("sweep_id"), bool(state.get(NEEDS_FULL)))


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _row(session: Session, job: str, connection: str, stream: str) -> StreamCursor:
    row = session.get(StreamCursor, (job, connection, stream))
    if row is None:
        row = StreamCursor(job=job, connection=connection, stream=stream)
        session.add(row)
    return row


def begin_window(
    session: Session, *, job: str, connection: str, stream: str, window: Window, sweep_id: int | None, run_id: int
) -> None:
    """Record the window a run starts reading (so a crash resumes the same window, not a later one)."""
    row = _row(session, job, connection, stream)
    row.window_start, row.window_end = window.start, window.end
    row.mode = row.last_id = row.position_blob = None
    row.state = {"sweep_id": sweep_id}
    row.run_id, row.updated_at = run_id, utcnow()


def save_position(session: Session, *, job: str, connection: str, stream: str, position: Position, run_id: int) -> None:
    """Advance the position inside the window; call in the page's own transaction."""
    row = _row(session, job, connection, stream)
    row.mode, row.last_id = position.mode, position.last_id
    row.position_blob = dict(position.blob)
    state = dict(row.state or {})
    state["position_cursor"] = position.cursor.isoformat() if position.cursor else None
    state["complete"], state["needs_full_resync"] = position.complete, position.needs_full_resync
    row.state = state
    row.run_id, row.updated_at = run_id, utcnow()


def finish_window(session: Session, *, job: str, connection: str, stream: str, run_id: int) -> bool:
    """The window is read completely: the cursor moves to its end, and the position is cleared.

    Returns whether the stream now needs a full read: its last page said the window reached further back than
    the CRM keeps deletes (Salesforce getDeleted's 15 days). The mark is kept, so a crash before that full
    read still leads the next run to it.
    """
    row = _row(session, job, connection, stream)
    incremental = row.window_start is not None
    needs_full = incremental and bool((row.state or {}).get("needs_full_resync"))
    row.cursor_value = row.window_end
    row.window_start = row.window_end = None
    row.mode = row.last_id = row.position_blob = None
    row.state = {NEEDS_FULL: True} if needs_full else {}
    row.run_id, row.updated_at = run_id, utcnow()
    return needs_full
