"""Positions of a window read in slices: one per slice, kept in the stream's cursor row (`state["slices"]`).

Each slice's position is written in the same transaction as the page it covers, like the stream's own
position; `begin_window` and `finish_window` (cursors.py) reset the row's state, and with it the slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from connectors import Position, Window
from sync.store.tables import StreamCursor, utcnow

SLICES = "slices"


@dataclass(frozen=True, slots=True)
class SliceState:
    """One slice: its window, the position after its last committed page, and whether it is read."""

    index: int
    window: Window
    position: Position | None
    done: bool


def _stamp(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _as_json(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def load(session: Session, *, job: str, connection: str, stream: str) -> list[SliceState]:
    """The slices of the window in progress (none when it is not read in slices)."""
    row = session.get(StreamCursor, (job, connection, stream))
    saved = ((row.state or {}).get(SLICES) if row is not None else None) or []
    found = []
    for index, item in enumerate(saved):
        end = _stamp(item["end"])
        assert end is not None, "a saved slice always has an end"
        position = None
        if item.get("last_id") is not None:
            position = Position("rest", cursor=_stamp(item.get("cursor")), last_id=item["last_id"])
        found.append(SliceState(index, Window(_stamp(item.get("start")), end), position, bool(item.get("done"))))
    return found


def begin(session: Session, *, job: str, connection: str, stream: str, windows: list[Window]) -> None:
    """Record the slices the window is cut into, before any of them is read."""
    row = session.get(StreamCursor, (job, connection, stream))
    assert row is not None, "begin_window made the row"
    items = [{"start": _as_json(w.start), "end": _as_json(w.end), "done": False} for w in windows]
    row.state = {**(row.state or {}), SLICES: items}
    row.updated_at = utcnow()


def save(session: Session, *, job: str, connection: str, stream: str, index: int, position: Position) -> None:
    """Advance one slice's position (and mark it read on its last page); call in the page's transaction."""
    row = session.get(StreamCursor, (job, connection, stream))
    assert row is not None, "begin_window made the row"
    state = dict(row.state or {})
    items = [dict(item) for item in state.get(SLICES) or []]
    item = items[index]
    if position.last_id is not None:
        item["cursor"], item["last_id"] = _as_json(position.cursor), position.last_id
    item["done"] = position.complete
    state[SLICES] = items
    row.state = state
    row.updated_at = utcnow()
