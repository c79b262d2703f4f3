"""Hard deletes: `GET /sobjects/{T}/deleted/?start=&end=` inside its 15-day reach.

When the window starts before the reach, the ids that could still be fetched are yielded and the page's
position says `needs_full_resync`: only a full resync can find the older hard deletes.
The next window starts at the answer's `latestDateCovered` (`Position.cursor` of the page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from connectors.base import Page, Position, Window
from connectors.errors import ConnectorError
from connectors.salesforce.convert import ConversionError, to_datetime
from connectors.salesforce.session import OrgSession

REACH: Final = timedelta(days=15)
REACH_MARGIN: Final = timedelta(minutes=5)  # clock skew between us and the org
MAX_SPLITS: Final = 12


@dataclass(frozen=True, slots=True)
class DeletedAnswer:
    """Ids deleted in a span, the earliest date the org still has, and the latest date covered."""

    ids: list[str]
    earliest: datetime | None
    latest: datetime | None


def _when(value: Any) -> datetime | None:
    try:
        return to_datetime(value) if value else None
    except ConversionError:
        return None


def fetch_deleted(org: OrgSession, obj: str, start: datetime, end: datetime, depth: int = 0) -> DeletedAnswer:
    """One span, halved while the org answers EXCEEDED_ID_LIMIT (more than 600,000 ids)."""
    try:
        body = org.call(f"getDeleted {obj}", lambda sf: getattr(sf, obj).deleted(start, end))
    except ConnectorError as exc:
        if exc.code != "EXCEEDED_ID_LIMIT" or depth >= MAX_SPLITS or end - start <= timedelta(minutes=2):
            raise
        middle = start + (end - start) / 2
        first = fetch_deleted(org, obj, start, middle, depth + 1)
        second = fetch_deleted(org, obj, middle, end, depth + 1)
        return DeletedAnswer(first.ids + second.ids, first.earliest, second.latest)
    ids = [str(entry["id"]) for entry in body.get("deletedRecords") or []]
    return DeletedAnswer(ids, _when(body.get("earliestDateAvailable")), _when(body.get("latestDateCovered")))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def deleted_page(
    org: OrgSession, stream: str, obj: str, window: Window, now: Callable[[], datetime] | None = None
) -> Page:
    """The hard deletes of `window` as one page of `deleted_ids` (mode `deleted`).

    getDeleted works in whole minutes and never past the current minute: a span shorter than that is not
    asked for, and the page's cursor says how far the answer covers.
    """
    assert window.start is not None, "a full read needs no delete tracking"
    current = (now or (lambda: datetime.now(UTC)))()
    reach = current - REACH + REACH_MARGIN
    start = max(window.start, reach)
    resync = window.start < reach
    end = min(window.end, current)
    if _minute(end) <= _minute(start):
        return Page(stream, [], Position("deleted", cursor=start, complete=True, needs_full_resync=resync))
    answer = fetch_deleted(org, obj, start, end)
    if answer.earliest is not None and answer.earliest > window.start:
        resync = True
    covered = answer.latest or end
    position = Position("deleted", cursor=covered, complete=True, needs_full_resync=resync)
    return Page(stream, [], position, deleted_ids=answer.ids)
