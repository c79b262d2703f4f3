"""Reconciliation audit: the CRM's count of live records vs the store's, per object, after each run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import col, select

from connectors import Connector, StreamSpec, Window, stream_map
from sync.pull.pages import stamp_of, target_of
from sync.store.engine import session
from sync.store.tables import Quarantine

AFTER_REACH = timedelta(days=1)  # records edited since the run started, even by a CRM whose clock runs ahead


@dataclass(frozen=True, slots=True)
class Audit:
    """One object's counts: the CRM's, and the store's live rows up to the run's start plus the records held in
    quarantine (skipped with a reason), so that a skipped record is accounted for, not a gap."""

    connection: str
    stream: str
    crm_count: int | None
    store_count: int
    crm_after: int | None = None  # live records the CRM holds with a modstamp past the run's start

    @property
    def agrees(self) -> bool:
        """True when the counts match, or the CRM could not tell, or the store's surplus is no larger than the
        records edited since the run started (the store still counts those at their old, earlier modstamps).
        A store short of the CRM's count is always a gap."""
        if self.crm_count is None or self.crm_count == self.store_count:
            return True
        return self.crm_after is not None and self.crm_count < self.store_count <= self.crm_count + self.crm_after

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the run row."""
        found = {"connection": self.connection, "stream": self.stream, "crm": self.crm_count,
                 "store": self.store_count, "agrees": self.agrees}  # fmt: skip
        return found | ({"crm_after": self.crm_after} if self.crm_after is not None else {})


def audited(connector: Connector, spec: StreamSpec) -> bool:
    """Whether the stream is one the audit compares."""
    return stream_map(connector.crm, spec.object).audited


def audit(engine: Engine, connector: Connector, spec: StreamSpec, run_start: datetime) -> Audit:
    """Count live records up to `run_start` on both sides; when the store holds more, also count the CRM's
    records edited since (one more call), which the store still counts at their earlier modstamps."""
    crm_count = connector.count(spec, Window(None, run_start), live=True)
    store_count = _store_count(engine, connector, spec, run_start)
    after = None
    if crm_count is not None and store_count > crm_count:
        after = connector.count(spec, Window(run_start, run_start + AFTER_REACH), live=True)
    return Audit(connector.name, spec.name, crm_count, store_count, after)


def _store_count(engine: Engine, connector: Connector, spec: StreamSpec, run_start: datetime) -> int:
    model: Any = target_of(connector.crm, spec.object).model
    stamp = stamp_of(model)
    with session(engine) as s:
        stmt = (
            select(func.count())
            .select_from(model)
            .where(model.connection == connector.name, col(model.deleted_at).is_(None))
            .where((col(stamp).is_(None)) | (col(stamp) <= run_start))
        )
        store_count = int(s.exec(stmt).one())
        live_ids = select(model.source_id).where(model.connection == connector.name)
        quarantined = (
            select(func.count())
            .select_from(Quarantine)
            .where(
                Quarantine.connection == connector.name,
                Quarantine.object == spec.object,
                col(Quarantine.source_id).not_in(live_ids),
            )
        )
        return store_count + int(s.exec(quarantined).one())
