"""Schema drift: a mapped field is removed from the CRM mid-life (between runs or during one). The runs that
follow fail that field only (a field error naming it; the run is not failed), still store every other change,
delete nothing, and keep the values stored for the missing field. Once the field is back, it flows again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

from chaos.checks import clean_exit, settle, verify_store
from chaos.report import Row
from chaos.stack import Proc, Stack, StackSpec
from chaos.suite import Context
from chaos.tap import Hook

__all__ = ["DRIFTS", "Drift", "run"]

NAME: Final = "schema-drift"


@dataclass(frozen=True)
class Drift:
    """A CRM field the job reads and the store column it fills, with a new value to give it afterwards."""

    crm: str
    object: str
    field: str
    column: str
    new_value: Any


DRIFTS: Final = (
    Drift("salesforce", "Account", "Industry", "industry", "Biotechnology"),
    Drift("salesforce", "Account", "NumberOfEmployees", "employees", 4321),
    Drift("hubspot", "companies", "industry", "industry", "COMPUTER_SOFTWARE"),
    Drift("hubspot", "companies", "country", "country", "Iceland"),
)


def _column(stack: Stack, drift: Drift) -> dict[str, Any]:
    rows = stack.query(f"SELECT source_id, {drift.column} FROM source_account WHERE connection = :c", c=drift.crm)
    return {str(r[0]): r[1] for r in rows}


def _live(stack: Stack) -> int:
    return int(stack.query("SELECT count(*) FROM source_account WHERE deleted_at IS NULL")[0][0]) + int(
        stack.query("SELECT count(*) FROM opportunity WHERE deleted_at IS NULL")[0][0]
    )


def _live_ids(stack: Stack, drift: Drift, rng: random.Random, n: int) -> list[str]:
    with stack.sandbox.lock(drift.crm):  # type: ignore[arg-type]
        if drift.crm == "salesforce":
            table: Any = stack.sandbox.sf_org.table(drift.object)  # type: ignore[attr-defined]
            ids = [table.id_of(r) for r in table.rows(include_deleted=False)]
        else:
            store: Any = stack.sandbox.hs_account.stores[drift.object]  # type: ignore[attr-defined]
            ids = [str(store.ids[r]) for r in range(len(store.ids)) if store.state[r] == 1]
    return rng.sample(sorted(ids), min(n, len(ids)))


def _rename(stack: Stack, drift: Drift, ids: list[str], suffix: str) -> None:
    """Edit every record's name, so the next incremental run has changes to store despite the drift."""
    name = "Name" if drift.crm == "salesforce" else "name"
    for record_id in ids:
        stack.sandbox.admin("update", drift.crm, object=drift.object, id=record_id,  # type: ignore[arg-type]
                            fields={name: f"Drifted {record_id} {suffix}"})  # fmt: skip


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(4)):
        rng = ctx.rng(NAME, seed)
        drift = DRIFTS[index % len(DRIFTS)]
        mid_run = index % 2 == 1
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), crms=(drift.crm,))
        label = (
            f"seed {seed} {drift.crm} {drift.object}.{drift.field} removed {'mid-run' if mid_run else 'between runs'}"
        )
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            settle(stack, row, f"{label} (first sync)")
            _drifted_runs(ctx, row, stack, drift, rng, mid_run, label)
        row.seeds += 1


def _drifted_runs(
    ctx: Context, row: Row, stack: Stack, drift: Drift, rng: random.Random, mid_run: bool, label: str
) -> None:
    before, live_before = _column(stack, drift), _live(stack)
    ids = _live_ids(stack, drift, rng, 12)
    proc = _remove_and_sync(row, stack, drift, rng, ids, mid_run, label)
    last = stack.runs()[-1]
    row.check(
        proc.rc == 0 and last["status"] in ("partial", "succeeded"),
        f"{label}: the run after the removal ended {last['status']} (exit {proc.rc}): {proc.last_line()}",
    )
    row.check(_field_error_named(stack, drift), f"{label}: no run names the missing field {drift.field}")
    after = _column(stack, drift)
    changed = [sid for sid, value in before.items() if after.get(sid) != value]
    row.check(not changed, f"{label}: {len(changed)} stored value(s) of {drift.column} changed or were erased "
                           f"while the field was gone (e.g. {changed[:3]})")  # fmt: skip
    row.check(_live(stack) >= live_before, f"{label}: live rows went from {live_before} to {_live(stack)}")
    tally = verify_store(stack, row, label)  # the renames were stored despite the drift
    _restore(row, stack, drift, ids[0], label)
    ctx.say(f"   {label}: run {last['status']}, {len(changed)} value(s) changed, live rows {live_before} -> "
            f"{_live(stack)}; missing {tally.missing}, wrong {tally.wrong}")  # fmt: skip


def _remove_and_sync(
    row: Row, stack: Stack, drift: Drift, rng: random.Random, ids: list[str], mid_run: bool, label: str
) -> Proc:
    """Rename records, remove the field (now, or at a seeded request of the next run), sync until a run has
    read with the field gone."""
    sb = stack.sandbox
    _rename(stack, drift, ids, "once")
    remove = {"object": drift.object, "field": drift.field}

    def drop() -> None:
        sb.admin("remove_field", drift.crm, **remove)  # type: ignore[arg-type]

    if mid_run:
        stack.tap.arm(Hook(rng.randint(2, 8), drop))
    else:
        drop()
    proc = stack.sync()
    row.runs += 1
    stack.tap.disarm()
    clean_exit(row, proc, label)
    if not mid_run or not _field_error_named(stack, drift):
        _rename(stack, drift, ids, "twice")  # a run wholly after the removal
        proc = stack.sync()
        row.runs += 1
        clean_exit(row, proc, label)
    return proc


def _restore(row: Row, stack: Stack, drift: Drift, record_id: str, label: str) -> None:
    """The field comes back with a new value on one record: the next run stores it."""
    sb = stack.sandbox
    sb.admin("restore_field", drift.crm, object=drift.object, field=drift.field)  # type: ignore[arg-type]
    sb.admin("update", drift.crm, object=drift.object, id=record_id, fields={drift.field: drift.new_value})  # type: ignore[arg-type]
    settle(stack, row, f"{label} (field restored)")
    back = _column(stack, drift).get(record_id)
    row.check(
        str(back) == str(drift.new_value),
        f"{label}: after the field came back, {drift.column} of {record_id} is {back!r}, not {drift.new_value!r}",
    )


def _field_error_named(stack: Stack, drift: Drift) -> bool:
    for run in stack.runs():
        for error in run.get("errors") or []:
            text = f"{error.get('field', '')} {error.get('message', '')}"
            if drift.field.lower() in text.lower():
                return True
    return False
