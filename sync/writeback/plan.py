"""Write-back: plan the changed values per CRM field (the dry run shows exactly this plan), then send it in
the fewest calls the CRM allows, ledger first, so nothing is written twice and nothing is lost."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from config import Job, WritebackTarget, load_settings
from connectors import Connector, FieldSpec, ObjectSchema, ProvisioningError, traits
from sync.store.engine import session
from sync.store.tables import AccountScore, ScoringRun, SourceAccount
from sync.writeback import ledger
from sync.writeback.figures import field_spec, figure_values, format_value, incompatible, value_hash


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
    field_counts: dict[str, Counter[str]] = field(default_factory=dict)
    adopted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the CRM already holds our value
    plan_calls: int = 0  # API calls planning took (describe, reading rep-owned fields back)
    plan_seconds: float = 0.0

    def count(self, name: str, what: str, n: int = 1) -> None:
        """Count one cell of field `name` as `what` (unchanged, rep_owned_skipped, no_value, adopted)."""
        self.field_counts.setdefault(name, Counter())[what] += n

    def per_field(self) -> dict[str, dict[str, int]]:
        """Per target field: cells planned to be sent, unchanged, left to a rep, without a value, adopted."""
        planned: Counter[str] = Counter(name for u in self.updates for name in u.values)
        names = sorted(set(self.field_counts) | set(planned))
        kinds = ("unchanged", "rep_owned_skipped", "no_value", "adopted")
        return {n: {"planned": planned[n]} | {k: self.field_counts.get(n, Counter())[k] for k in kinds} for n in names}

    @property
    def write_calls(self) -> int:
        """Calls the updates need: one per batch."""
        return math.ceil(len(self.updates) / self.batch_size)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the dry run's output)."""
        return {
            "connection": self.connection, "object": self.object, "crm": self.crm, "write_calls": self.write_calls,
            "create_fields": [f.name for f in self.create_fields], "problems": self.problems,
            "skipped_rep_owned": self.skipped_rep_owned, "unchanged": self.unchanged, "fields": self.per_field(),
            "adopted": sum(len(values) for _, values in self.adopted),
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
    plan = TargetPlan(target.connection, target.object, connector.crm, traits(connector.crm).write_batch)
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
    _leave_recent_rep_edits(plan, target, connector, cells, rep_owned)
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
    adopted: dict[str, Any] = {}
    raw = record.raw or {}
    for figure, name in target.fields.items():
        value = format_value(figure, figures.get(figure), lengths.get(name))
        cell = cells.get((record.source_id, name))
        if cell is not None and cell.value_hash == value_hash(value):
            plan.unchanged += 1
            plan.count(name, "unchanged")
        elif cell is None and value is None and raw.get(name) in (None, ""):
            plan.count(name, "no_value")  # a new field: nothing to write where we have no value
        elif cell is None and raw.get(name) not in (None, "") and _same(figure, raw.get(name), value):
            adopted[name] = value  # the CRM already holds what we would write: ours, not a rep's
            plan.unchanged += 1
            plan.count(name, "adopted")
        elif name in rep_owned and _edited_by_someone_else(figure, raw.get(name), cell):
            plan.skipped_rep_owned += 1
            plan.count(name, "rep_owned_skipped")
        else:
            values[name] = value
    if adopted:
        plan.adopted.append((record.source_id, adopted))
    return values


def _same(figure: str, current: Any, value: Any) -> bool:
    """The CRM's value, read as we would format it, is the value we would write."""
    try:
        return value_hash(format_value(figure, current)) == value_hash(value)
    except (ArithmeticError, ValueError):  # a number field holding text a person typed
        return False


def _leave_recent_rep_edits(
    plan: TargetPlan,
    target: WritebackTarget,
    connector: Connector,
    cells: Mapping[ledger.Key, ledger.Entry],
    rep_owned: set[str],
) -> None:
    """Rep-owned fields we wrote before and are about to change: the store's copy of the record may predate a
    person's edit (no pull since), so read what the CRM holds now and leave the fields a person changed."""
    owned = {name: figure for figure, name in target.fields.items() if name in rep_owned}
    ours = {(u.record_id, n) for u in plan.updates for n in u.values if n in owned}
    ids = sorted({rid for rid, n in ours if (c := cells.get((rid, n))) is not None and c.value_hash is not None})
    if not ids:
        return
    current = connector.fetch(plan.object, ids, sorted(owned))
    kept = []
    for update in plan.updates:
        now = current.get(update.record_id)
        if now is None:  # not readable now (deleted meanwhile): the write will say so
            kept.append(update)
            continue
        edited = {
            name
            for name in update.values.keys() & owned.keys()
            if _edited_by_someone_else(owned[name], now.get(name), cells.get((update.record_id, name)))
        }
        plan.skipped_rep_owned += len(edited)
        for name in edited:
            plan.count(name, "rep_owned_skipped")
        values = {name: value for name, value in update.values.items() if name not in edited}
        if values:
            kept.append(PlannedUpdate(update.record_id, update.account_key, values))
    plan.updates = kept


def _edited_by_someone_else(figure: str, current: Any, cell: ledger.Entry | None) -> bool:
    """The CRM holds a value we did not write: a person set or changed it."""
    if current in (None, ""):
        return False
    if cell is None or cell.value_hash is None:
        return True
    return value_hash(format_value(figure, current)) != cell.value_hash


def check_provisioning(plan: TargetPlan, target: WritebackTarget, connector: Connector) -> None:
    """Refuse a target that cannot be written: an incompatible field, or missing fields that may not be created
    (then, when the connector can, an sfdx metadata package creating them is written for an admin to deploy).

    Raises:
        ProvisioningError: with the exact list of fields (and where the package is).
    """
    if plan.problems:
        raise ProvisioningError(plan.connection, "; ".join(plan.problems))
    if not plan.create_fields or target.create_missing_fields:
        return
    names = ", ".join(f.name for f in plan.create_fields)
    message = f"missing fields on {plan.object}: {names} (creation not allowed)"
    write_package = getattr(connector, "write_metadata_package", None)
    if callable(write_package):
        folder = load_settings().state_dir / "sfdx" / f"{plan.connection}-{plan.object}"
        message += f"; an sfdx package creating them is in {write_package(plan.object, plan.create_fields, folder)}"
    raise ProvisioningError(plan.connection, message)


def provision(plan: TargetPlan, target: WritebackTarget, connector: Connector) -> None:
    """Create the missing fields, or refuse with the exact list (see `check_provisioning`).

    Raises:
        ProvisioningError: a field is incompatible, or fields are missing and creating them is not allowed.
    """
    check_provisioning(plan, target, connector)
    if plan.create_fields:
        connector.create_fields(plan.object, plan.create_fields)
