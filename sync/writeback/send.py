"""Send a write-back plan: each batch marked pending, sent in one call, then committed or rejected."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from config import WritebackTarget
from connectors import Connector, RecordUpdate, WriteResult
from sync.store.engine import session
from sync.writeback import ledger
from sync.writeback.figures import format_value, value_hash
from sync.writeback.plan import PlannedUpdate, TargetPlan

REJECTION_SAMPLE = 5


@dataclass
class SendOutcome:
    """What one target's send did."""

    connection: str
    object: str
    records: int = 0
    fields: int = 0
    batches: int = 0
    rejected: int = 0
    recovered: int = 0
    sent_fields: Counter[str] = field(default_factory=Counter)  # per target field: values the CRM accepted
    rejected_fields: Counter[str] = field(default_factory=Counter)  # per target field: values it refused
    rejections: list[dict[str, Any]] = field(default_factory=list)  # a sample: record, code, message, fields

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for the run's write-back step."""
        return {"connection": self.connection, "object": self.object, "records": self.records, "fields": self.fields,
                "batches": self.batches, "rejected": self.rejected, "recovered": self.recovered,
                "sent_fields": dict(self.sent_fields), "rejected_fields": dict(self.rejected_fields),
                "rejections": list(self.rejections)}  # fmt: skip


def recover_pending(engine: Engine, target: WritebackTarget, connector: Connector, run_id: int) -> int:
    """Batches marked pending by a run that died: read the CRM's values back; those that landed are committed
    (never resent), the others are cleared so the plan sends them again. Returns the cells recovered."""
    with session(engine) as s:
        cells = ledger.load(s, target.connection, target.object)
    pending = {key: cell for key, cell in cells.items() if cell.pending_hash is not None}
    if not pending:
        return 0
    figure_of = {name: figure for figure, name in target.fields.items()}
    ids = sorted({rid for rid, _ in pending})
    current = connector.fetch(target.object, ids, sorted({f for _, f in pending}))
    landed: dict[str, dict[str, object]] = defaultdict(dict)
    for (rid, name), cell in pending.items():
        value = format_value(figure_of.get(name, "reasons"), current.get(rid, {}).get(name))
        if value_hash(value) == cell.pending_hash:
            landed[rid][name] = value
    with session(engine) as s, s.begin():
        ledger.commit_written(s, target.connection, target.object, landed.items(), run_id)
        ledger.clear_pending(s, target.connection, target.object, ids)
    return sum(len(v) for v in landed.values())


def adopt(engine: Engine, plan: TargetPlan, run_id: int) -> None:
    """Values the CRM already held as we would write them become the ledger's, without a call."""
    if plan.adopted:
        with session(engine) as s, s.begin():
            ledger.commit_written(s, plan.connection, plan.object, plan.adopted, run_id)


def send_plan(
    engine: Engine, plan: TargetPlan, connector: Connector, run_id: int, guard: Callable[[], None] = lambda: None
) -> SendOutcome:
    """Send the plan batch by batch; every batch is one call, its results committed before the next. `guard` is
    called before each batch and raises when the run must stop (its job lock was lost)."""
    adopt(engine, plan, run_id)
    outcome = SendOutcome(plan.connection, plan.object)
    for start in range(0, len(plan.updates), plan.batch_size):
        guard()
        chunk = plan.updates[start : start + plan.batch_size]
        results = _send_batch(engine, plan, connector, chunk, run_id)
        outcome.batches += 1
        ok = {r.record_id for r in results if r.ok}
        outcome.records += len(ok)
        outcome.fields += sum(len(u.values) for u in chunk if u.record_id in ok)
        outcome.rejected += sum(1 for r in results if not r.ok)
        for update in chunk:
            (outcome.sent_fields if update.record_id in ok else outcome.rejected_fields).update(update.values.keys())
        for r in results:
            if not r.ok and len(outcome.rejections) < REJECTION_SAMPLE:
                outcome.rejections.append({"record_id": r.record_id, "code": r.code, "message": (r.message or "")[:300],
                                           "fields": list(r.fields)})  # fmt: skip
    return outcome


def _send_batch(
    engine: Engine, plan: TargetPlan, connector: Connector, chunk: list[PlannedUpdate], run_id: int
) -> list[WriteResult]:
    pairs = [(u.record_id, u.values) for u in chunk]
    with session(engine) as s, s.begin():
        ledger.mark_pending(s, plan.connection, plan.object, pairs, run_id)
    updates = [RecordUpdate(u.record_id, u.values) for u in chunk]
    results = [r for batch in connector.write(plan.object, updates) for r in batch]
    ok = {r.record_id for r in results if r.ok}
    failed = [r for r in results if not r.ok]
    with session(engine) as s, s.begin():
        ledger.commit_written(s, plan.connection, plan.object, [p for p in pairs if p[0] in ok], run_id)
        ledger.clear_pending(s, plan.connection, plan.object, [p[0] for p in pairs if p[0] not in ok])
        ledger.reject(s, plan.connection, plan.object, failed, run_id)
    return results
