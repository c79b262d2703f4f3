"""Reconciliation audit: the CRM's count of live records vs the store's, per object, after each run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import col, select

from connectors import Connector, StreamSpec, Window
from sync.pagestore import TARGETS
from sync.store import session
from sync.tables import Quarantine

AUDITED = {("salesforce", "Account"), ("salesforce", "Opportunity"), ("hubspot", "companies"), ("hubspot", "deals")}


@dataclass(frozen=True, slots=True)
class Audit:
    """One object's counts: the CRM's, and the store's live rows up to the run's start plus the records held in
    quarantine (skipped with a reason), so that a skipped record is accounted for, not a gap."""

    connection: str
    stream: str
    crm_count: int | None
    store_count: int

    @property
    def agrees(self) -> bool:
        """True when the counts match, or the CRM could not tell."""
        return self.crm_count is None or self.crm_count == self.store_count

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the run row."""
        return {"connection": self.connection, "stream": self.stream, "crm": self.crm_count,
                "store": self.store_count, "agrees": self.agrees}  # fmt: skip


def audited(connector: Connector, spec: StreamSpec) -> bool:
    """Whether the stream is one the audit compares."""
    return (connector.crm, spec.object) in AUDITED


def audit(engine: Engine, connector: Connector, spec: StreamSpec, run_start: datetime) -> Audit:
    """Count live records up to `run_start` on both sides."""
    crm_count = connector.count(spec, Window(None, run_start), live=True)
    model: Any = TARGETS[(connector.crm, spec.object)].model
    with session(engine) as s:
        stmt = (
            select(func.count())
            .select_from(model)
            .where(model.connection == connector.name, col(model.deleted_at).is_(None))
            .where((col(model.modstamp).is_(None)) | (col(model.modstamp) <= run_start))
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
        store_count += int(s.exec(quarantined).one())
    return Audit(connector.name, spec.name, crm_count, store_count)
