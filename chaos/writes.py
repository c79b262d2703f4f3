"""Write-back against what the CRMs received: every changed value written exactly once, nothing else written,
and the CRM holding the planned value at the end.

A planned value the CRM already held before the write-back began (typically an empty score field a company
never had) is not a change: a write-back that finds it there on a read-back after a crash rightly leaves it
alone, so such a cell may be written once or not at all, never twice."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chaos.tap import WriteEvent
from chaos.truth import Tally
from sandbox.server import Sandbox

__all__ = ["WriteCheck", "check_writes", "crm_values", "planned_cells", "same_value"]

Cell = tuple[str, str, str]  # (crm, record id, field)


@dataclass
class WriteCheck:
    """The outcome: counts in a Tally (expected cells, missing, wrong) plus duplicate writes."""

    tally: Tally = field(default_factory=Tally)
    duplicate_writes: int = 0
    unexpected: int = 0


def planned_cells(plan: Mapping[str, Any]) -> dict[Cell, Any]:
    """(crm, record id, field) -> value, from `accountsync writeback --dry-run --json`."""
    cells: dict[Cell, Any] = {}
    for target in plan.get("targets") or []:
        for update in target.get("updates") or []:
            for name, value in (update.get("values") or {}).items():
                cells[(str(target["crm"]), str(update["record_id"]), str(name))] = value
    return cells


def same_value(planned: Any, seen: Any) -> bool:
    """Equal as the CRM keeps it: numbers by value (HubSpot sends text), text exactly, empty as None."""
    if planned in (None, "") or seen in (None, ""):
        return planned in (None, "") and seen in (None, "")
    try:
        a, b = float(planned), float(seen)
    except (TypeError, ValueError):
        return str(planned) == str(seen)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check_writes(
    planned: Mapping[Cell, Any],
    writes: Iterable[WriteEvent],
    final: Mapping[Cell, Any],
    before: Mapping[Cell, Any] | None = None,
) -> WriteCheck:
    """Each planned cell accepted exactly once with its value and held by the CRM at the end; a cell the CRM held
    with its planned value `before` the write-back began may instead be left unwritten."""
    before = before or {}
    out = WriteCheck()
    accepted = [w for w in writes if w.ok]
    counts: Counter[Cell] = Counter()
    values: dict[Cell, list[Any]] = {}
    for event in accepted:
        for name, value in event.values.items():
            cell = (event.crm, event.record_id, name)
            counts[cell] += 1
            values.setdefault(cell, []).append(value)
    tally = out.tally
    for cell, value in planned.items():
        tally.expected += 1
        n = counts.get(cell, 0)
        if n == 0 and cell in before and same_value(value, before[cell]) and same_value(value, final.get(cell)):
            continue  # unchanged: already held before the write-back, still held after it
        if n == 0:
            tally.missing += 1
            tally.note(f"{cell[0]} {cell[1]} {cell[2]}: never written")
            continue
        if n > 1:
            out.duplicate_writes += n - 1
            tally.note(f"{cell[0]} {cell[1]} {cell[2]}: written {n} times")
        if not same_value(value, values[cell][-1]) or not same_value(value, final.get(cell)):
            tally.wrong += 1
            tally.note(f"{cell[0]} {cell[1]} {cell[2]}: planned {value!r}, sent {values[cell][-1]!r}, "
                       f"CRM holds {final.get(cell)!r}")  # fmt: skip
    for cell in counts.keys() - planned.keys():
        out.unexpected += counts[cell]
        tally.wrong += 1
        tally.note(f"{cell[0]} {cell[1]} {cell[2]}: written but not planned")
    return out


def crm_values(sb: Sandbox, cells: Iterable[Cell]) -> dict[Cell, Any]:
    """The values the CRMs hold now for `cells` (read in-process)."""
    from sandbox.salesforce.admin_actions import get

    out: dict[Cell, Any] = {}
    records: dict[tuple[str, str], list[str]] = {}
    for crm, record_id, name in cells:
        records.setdefault((crm, record_id), []).append(name)
    for (crm, record_id), names in records.items():
        if crm == "salesforce":
            with sb.lock("salesforce"):
                org: Any = sb.sf_org
                raw = get(org, {"object": "Account", "id": record_id})
            out.update({(crm, record_id, n): raw.get(n) for n in names})
        else:
            with sb.lock("hubspot"):
                store: Any = sb.hs_account.stores["companies"]  # type: ignore[attr-defined]
                row = store.row_of(int(record_id))
                out.update({(crm, record_id, n): None if row is None else store.value(row, n) for n in names})
    return out
