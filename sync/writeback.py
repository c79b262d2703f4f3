"""Write-back: plan the changed values per CRM field (the dry run shows exactly this plan), then send it in
the fewest calls the CRM allows, ledger first, so nothing is written twice and nothing is lost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from config import Job, WritebackTarget
from connectors import Connector, FieldSpec, ObjectSchema, ProvisioningError
from sync import ledger
from sync.figures import field_spec, figure_values, format_value, incompatible, value_hash
from sync.store import session
from sync.tables import AccountScore, ScoringRun, SourceAccount

BATCH = {"salesforce": 200, "hubspot": 100}


@dataclass(frozen=True, slots=True)
class PlannedUpdate:
    """The changed fields of one CRM record."""

    record_id: str
    account_key: str
    values: Mapping[str, Any]


@dataclass
class TargetPlan:
    """Everything one target (connection + object) will get."""

    connection: str
    object: str
    crm: str
    batch_size: int
    updates: list[PlannedUpdate] = field(default_factory=list)
    create_fields: list[FieldSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped_rep_owned: int = 0
    unchanged: int = 0

    @property
    def write_calls(self) -> int:
        """Calls the updates need: one per batch."""
        return math.ceil(len(self.updates) / self.batch_size)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the dry run's output)."""
        return {
            "connection": self.connection, "object": self.object, "crm": self.crm, "write_calls": self.write_calls,
            "create_fields": [f.name for f in self.create_fields], "problems": self.problems,
            "skipped_rep_owned": self.skipped_rep_owned, "unchanged": self.unchanged,
            "updates": [{"record_id": u.record_id, "account_key": u.account_key, "values": dict(u.values)}
                        for u in self.updates],
        }  # fmt: skip


def latest_scores(engine: Engine) -> dict[str, dict[str, Any]]:
    """Account key -> figures of the newest scoring run."""
    with session(engine) as s:
        run = s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc()).limit(1)).first()
        if run is None:
            return {}
        rows = s.exec(select(AccountScore).where(AccountScore.scoring_run_id == run.id)).all()
    return {r.account_key: figure_values(r.model_dump() | {"scored_at": run.as_of.isoformat()}) for r in rows}


def check_fields(target: WritebackTarget, schema: ObjectSchema) -> tuple[list[FieldSpec], list[str]]:
    """Missing fields to create, and problems with existing ones (incompatible type, not writable)."""
    missing, problems = [], []
    for figure, name in target.fields.items():
        info = schema.fields.get(name)
        if info is None:
            missing.append(field_spec(figure, name))
        elif (why := incompatible(figure, info)) is not None:
            problems.append(why)
    return missing, problems


def plan_target(
    engine: Engine, job: Job, target: WritebackTarget, connector: Connector, scores: Mapping[str, Mapping[str, Any]]
) -> TargetPlan:
    """The exact updates for one target: changed values of live records, rep-edited fields left alone."""
    plan = TargetPlan(target.connection, target.object, connector.crm, BATCH[connector.crm])
    schema = connector.describe(target.object)
    plan.create_fields, plan.problems = check_fields(target, schema)
    lengths = {name: info.length for name, info in schema.fields.items()}
    with session(engine) as s:
        records = s.exec(
            select(SourceAccount).where(SourceAccount.connection == target.connection)
            .where(col(SourceAccount.deleted_at).is_(None), col(SourceAccount.account_key).is_not(None))
        ).all()  # fmt: skip
        cells = ledger.load(s, target.connection, target.object)
    rep_owned = set(job.rep_owned_fields)
    for record in sorted(records, key=lambda r: r.source_id):
        figures = scores.get(record.account_key or "")
        if figures is None:
            continue
        values = _changed(record, figures, target, lengths, cells, rep_owned, plan)
        if values:
            plan.updates.append(PlannedUpdate(record.source_id, record.account_key or "", values))
    return plan


def _changed(
    record: SourceAccount,
    figures: Mapping[str, Any],
    target: WritebackTarget,
    lengths: Mapping[str, int | None],
    cells: Mapping[ledger.Key, ledger.Entry],
    rep_owned: set[str],
    plan: TargetPlan,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    raw = record.raw or {}
    for figure, name in target.fields.items():
        value = format_value(figure, figures.get(figure), lengths.get(name))
        cell = cells.get((record.source_id, name))
        if cell is not None and cell.value_hash == value_hash(value):
            plan.unchanged += 1
            continue
        if name in rep_owned and _edited_by_someone_else(figure, raw.get(name), cell):
            plan.skipped_rep_owned += 1
            continue
        values[name] = value
    return values


def _edited_by_someone_else(figure: str, current: Any, cell: ledger.Entry | None) -> bool:
    """The CRM holds a value we did not write: a person set or changed it."""
    if current in (None, ""):
        return False
    if cell is None or cell.value_hash is None:
        return True
    return value_hash(format_value(figure, current)) != cell.value_hash


def provision(plan: TargetPlan, target: WritebackTarget, connector: Connector) -> None:
    """Create the missing fields, or refuse with the exact list.

    Raises:
        ProvisioningError: a field is incompatible, or fields are missing and creating them is not allowed.
    """
    if plan.problems:
        raise ProvisioningError(plan.connection, "; ".join(plan.problems))
    if not plan.create_fields:
        return
    if not target.create_missing_fields:
        names = ", ".join(f.name for f in plan.create_fields)
        raise ProvisioningError(plan.connection, f"missing fields on {plan.object}: {names} (creation not allowed)")
    connector.create_fields(plan.object, plan.create_fields)
