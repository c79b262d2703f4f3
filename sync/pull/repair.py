"""Repair a count mismatch by windows: find where the CRM's and the store's counts differ, re-read only there.

The audit compares one stream's whole count. When the counts still differ after the catch-up, reading the
whole stream again to restore a handful of records costs as many calls as a full pull. Instead the window up
to the run's start is halved by modification time while the two sides' counts differ (two count calls a
split, one each side), down to windows small enough to read in a page or two; only those windows are read
again (their records upserted, their deletes swept by id). Records sitting exactly on a boundary may be
counted on both sides of it by a CRM whose filter is inclusive there: that makes a window look different and
read again, never a gap missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import col, select

from connectors import Connector, StreamSpec, Window, stream_map
from connectors import RowContext as Context
from sync.pull.pages import mark_deleted, stamp_of, target_of
from sync.pull.stream import ProgressSink, PullRequest, commit_page, stream_key
from sync.runs.records import RunRecorder
from sync.store.engine import session
from sync.store.tables import utcnow

FLOOR = datetime(1999, 1, 1, tzinfo=UTC)  # no CRM record is older (Salesforce opened in 1999)
SMALL = 200  # records: a window this small is read again rather than split (a page of either CRM)
MAX_DEPTH = 24  # halvings: 27 years / 2**24 is under a minute


@dataclass(frozen=True, slots=True)
class Differing:
    """A window whose counts differ, with both counts."""

    window: Window
    crm: int
    store: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the run's audit."""
        start = None if self.window.start is None else self.window.start.isoformat()
        return {"start": start, "end": self.window.end.isoformat(), "crm": self.crm, "store": self.store}


def differing_windows(engine: Engine, connector: Connector, spec: StreamSpec, end: datetime) -> list[Differing]:
    """The smallest windows up to `end` where the CRM's live count and the store's differ (none when the CRM
    cannot count, or when the difference is in records stamped before FLOOR or not at all)."""
    found: list[Differing] = []  # every window has a start: a window without one is a CRM's full (list) read
    _bisect(engine, connector, spec, Window(FLOOR, end), 0, found)
    return found


def _bisect(engine: Engine, connector: Connector, spec: StreamSpec, window: Window, depth: int,
            found: list[Differing]) -> None:  # fmt: skip
    crm = connector.count(spec, window, live=True)
    if crm is None:
        return
    store = store_count(engine, connector, spec, window)
    if crm == store:
        return
    if max(crm, store) <= SMALL or depth >= MAX_DEPTH:
        found.append(Differing(window, crm, store))
        return
    start = window.start or FLOOR
    middle = start + (window.end - start) / 2
    for half in (Window(window.start, middle), Window(middle, window.end)):
        _bisect(engine, connector, spec, half, depth + 1, found)


def store_count(engine: Engine, connector: Connector, spec: StreamSpec, window: Window) -> int:
    """Live stored records of the stream modified inside `window` (`start < modstamp <= end`; a record with no
    stamp counts in the window that has no start)."""
    model: Any = target_of(connector.crm, spec.object).model
    with session(engine) as s:
        stmt = select(func.count()).select_from(model).where(model.connection == connector.name)
        return int(s.exec(stmt.where(col(model.deleted_at).is_(None)).where(_inside(model, window))).one())


def _inside(model: Any, window: Window) -> Any:
    """`start < modstamp <= end`; a record with no stamp is inside the window that has no start."""
    stamp = stamp_of(model)
    inside = col(stamp) <= window.end
    if window.start is None:
        return col(stamp).is_(None) | inside
    return inside & (col(stamp) > window.start)


def reread(
    engine: Engine,
    connector: Connector,
    spec: StreamSpec,
    windows: list[Differing],
    req: PullRequest,
    recorder: RunRecorder,
    sink: ProgressSink,
) -> int:
    """Read each window again (pages upserted, positions untouched) and mark deleted the stored records of the
    window the CRM no longer holds (checked by id). Returns the records marked deleted."""
    key = stream_key(connector, spec)
    ctx = Context(connector.name, connector.crm, req.run_id, utcnow(), req.opportunity_types, req.link_property)
    mapping = stream_map(connector.crm, spec.object)
    gone = 0
    for differing in windows:
        seen: set[str] = set()
        for page in connector.read(spec, differing.window):
            commit_page(engine, connector, spec, page, req, ctx, recorder, checkpoint=False)
            seen.update(str(mapping.record_id(r)) for r in page.records)
            sink.advanced(key, len(page.records))
        gone += _sweep(engine, connector, spec, differing.window, seen)
    return gone


def _sweep(engine: Engine, connector: Connector, spec: StreamSpec, window: Window, seen: set[str]) -> int:
    unseen = [source_id for source_id in _stored_ids(engine, connector, spec, window) if source_id not in seen]
    if not unseen:
        return 0
    live = connector.fetch(spec.object, unseen, [])
    model = target_of(connector.crm, spec.object).model
    with session(engine) as s, s.begin():
        return mark_deleted(s, model, connector.name, [i for i in unseen if i not in live], utcnow())


def _stored_ids(engine: Engine, connector: Connector, spec: StreamSpec, window: Window) -> Iterator[str]:
    model: Any = target_of(connector.crm, spec.object).model
    with session(engine) as s:
        stmt = select(model.source_id).where(model.connection == connector.name, col(model.deleted_at).is_(None))
        yield from (str(source_id) for source_id in s.exec(stmt.where(_inside(model, window))).all())
