"""The SOQL the connector sends: a stream's window, ordered and resumable without losing ties."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.base import Position, Window


def datetime_literal(moment: datetime) -> str:
    """An unquoted SOQL dateTime with milliseconds (`2026-01-01T00:00:00.000Z`): ties are per millisecond."""
    if moment.tzinfo is None:
        raise ValueError("SOQL date-times must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def string_literal(value: str) -> str:
    """A quoted SOQL string, backslashes and quotes escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def window_conditions(cursor: str | None, window: Window | None) -> list[str]:
    """`start < cursor <= end` (no lower bound for a full read; nothing without a cursor field)."""
    if cursor is None or window is None:
        return []
    found = []
    if window.start is not None:
        found.append(f"{cursor} > {datetime_literal(window.start)}")
    found.append(f"{cursor} <= {datetime_literal(window.end)}")
    return found


def resume_condition(cursor: str | None, after: Position | None) -> str | None:
    """Records strictly after `after` in `(cursor, Id)` order, so equal stamps at a page edge are kept."""
    if after is None or after.last_id is None:
        return None
    last = string_literal(after.last_id)
    if cursor is None or after.cursor is None:
        return f"Id > {last}"
    stamp = datetime_literal(after.cursor)
    return f"({cursor} > {stamp} OR ({cursor} = {stamp} AND Id > {last}))"


def where_clause(cursor: str | None, window: Window | None, after: Position | None = None) -> str:
    """` WHERE ...` for the window and resume point, or an empty string."""
    parts = window_conditions(cursor, window)
    resume = resume_condition(cursor, after)
    if resume is not None:
        parts.append(resume)
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def order_clause(cursor: str | None) -> str:
    """` ORDER BY cursor, Id`: the total order positions are expressed in."""
    return f" ORDER BY {cursor}, Id" if cursor else " ORDER BY Id"


def select(
    obj: str, fields: tuple[str, ...], cursor: str | None, window: Window | None, after: Position | None = None
) -> str:
    """The stream's query for `window`, after `after`, in `(cursor, Id)` order."""
    return f"SELECT {', '.join(fields)} FROM {obj}{where_clause(cursor, window, after)}{order_clause(cursor)}"


def count(obj: str, cursor: str | None, window: Window | None, after: Position | None = None) -> str:
    """`SELECT COUNT()` of what `select` would return."""
    return f"SELECT COUNT() FROM {obj}{where_clause(cursor, window, after)}"
