"""Malformed CRM data on the wire (the tap rewrites the CRMs' JSON answers for seeded records): bad dates, a
bad cursor stamp, non-numeric amounts, missing ids, huge strings, odd Unicode (NUL, bidi overrides, emoji,
noncharacters), implausible values (negative revenue, 1e300, 9999-12-31, an account its own parent). A record
without an id or cursor stamp is skipped with a reason; a field that cannot be stored or is implausible is
stored empty with a warning naming record and field, the record kept; odd but valid values are stored as sent
(clipped to the column); everything else is stored as the source holds it."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from chaos.checks import clean_exit, verify_store
from chaos.report import Row
from chaos.stack import Stack, StackSpec
from chaos.suite import Context
from chaos.truth import TEXT_LIMITS

__all__ = ["BAD", "EMPTIED", "FIELDS", "KINDS", "ODD", "Corruption", "corrupter", "plan_corruptions", "run"]

NAME: Final = "malformed"
ODD_TEXT: Final = "Zoë\u0000 Ltd \u202egnp.exe\u202c 🚀\u200d👩‍💻 \ufdd0\uffff e\u0301 \u00a0" + "ꙮ" * 3
HUGE_TEXT: Final = "Huge " + "ABCDEFGHIJ" * 20_000
HUGE_DOMAIN: Final = "https://www." + "sub-" * 80 + "example.com/path"
# kind -> the field it corrupts per object (None: the object has no such field the job reads), and the value
FIELDS: Final[dict[str, dict[tuple[str, str], str | None]]] = {
    "bad_date": {("salesforce", "Account"): None, ("salesforce", "Opportunity"): "CloseDate",
                 ("hubspot", "companies"): "createdate", ("hubspot", "deals"): "closedate"},
    "bad_stamp": {("salesforce", "Account"): "SystemModstamp", ("salesforce", "Opportunity"): "SystemModstamp",
                  ("hubspot", "companies"): "hs_lastmodifieddate", ("hubspot", "deals"): "hs_lastmodifieddate"},
    "bad_number": {("salesforce", "Account"): "NumberOfEmployees", ("salesforce", "Opportunity"): "Amount",
                   ("hubspot", "companies"): "numberofemployees", ("hubspot", "deals"): "amount"},
    "missing_id": {("salesforce", "Account"): "Id", ("salesforce", "Opportunity"): "Id",
                   ("hubspot", "companies"): "hs_object_id", ("hubspot", "deals"): "hs_object_id"},
    "huge_string": {("salesforce", "Account"): "Name", ("salesforce", "Opportunity"): "Name",
                    ("hubspot", "companies"): "name", ("hubspot", "deals"): "dealname"},
    "odd_unicode": {("salesforce", "Account"): "Name", ("salesforce", "Opportunity"): "Name",
                    ("hubspot", "companies"): "name", ("hubspot", "deals"): "dealname"},
    "huge_domain": {("salesforce", "Account"): "Website", ("hubspot", "companies"): "domain"},
    "negative": {("salesforce", "Account"): "AnnualRevenue", ("hubspot", "companies"): "annualrevenue"},
    "huge_number": {("salesforce", "Account"): "AnnualRevenue", ("salesforce", "Opportunity"): "Amount",
                    ("hubspot", "companies"): "annualrevenue", ("hubspot", "deals"): "amount"},
    "far_date": {("salesforce", "Account"): "CreatedDate", ("salesforce", "Opportunity"): "CloseDate",
                 ("hubspot", "companies"): "createdate", ("hubspot", "deals"): "closedate"},
    "self_parent": {("salesforce", "Account"): "ParentId", ("hubspot", "companies"): "hs_parent_company_id"},
}  # fmt: skip
SELF: Final = object()  # the value of `self_parent`: the record's own id
VALUES: Final[dict[str, Any]] = {
    "bad_date": "2026-13-45T99:00:00Z", "bad_stamp": "yesterday, around noon", "bad_number": "a few hundred",
    "missing_id": None, "huge_string": HUGE_TEXT, "odd_unicode": ODD_TEXT, "huge_domain": HUGE_DOMAIN,
    "negative": "-5000000", "huge_number": "1e300", "far_date": "9999-12-31T00:00:00Z", "self_parent": SELF,
}  # fmt: skip
KINDS: Final = tuple(FIELDS)
BAD: Final = frozenset({"bad_stamp", "missing_id"})  # no id or no cursor stamp: the record is set aside
# A field that cannot be stored or is implausible: the record is stored with that field empty and a
# data-quality warning naming record and field.
EMPTIED: Final = frozenset({"bad_date", "bad_number", "negative", "huge_number", "far_date", "self_parent"})
COLUMN_OF: Final = {"CloseDate": "close_date", "closedate": "close_date", "createdate": "created_at",
                    "CreatedDate": "created_at", "NumberOfEmployees": "employees", "numberofemployees": "employees",
                    "Amount": "amount", "amount": "amount", "AnnualRevenue": "annual_revenue",
                    "annualrevenue": "annual_revenue", "ParentId": "parent_source_id",
                    "hs_parent_company_id": "parent_source_id"}  # fmt: skip
ODD: Final = frozenset({"huge_string", "odd_unicode"})
EITHER: Final = frozenset({"huge_domain"})  # stored (domain dropped or clipped) or skipped with a reason
OBJECTS: Final = {"salesforce": ("Account", "Opportunity"), "hubspot": ("companies", "deals")}


@dataclass(frozen=True)
class Corruption:
    """One record's corruption: which field gets which value."""

    crm: str
    object: str
    record_id: str
    kind: str
    field: str
    value: Any


def plan_corruptions(ids: Mapping[tuple[str, str], list[str]], rng: random.Random) -> list[Corruption]:
    """Every kind that applies on one record of each object (seeded choice of records)."""
    out = []
    for (crm, obj), candidates in sorted(ids.items()):
        kinds = [k for k in KINDS if FIELDS[k].get((crm, obj))]
        victims = rng.sample(sorted(candidates), min(len(kinds), len(candidates)))
        for record_id, kind in zip(victims, kinds, strict=False):
            out.append(Corruption(crm, obj, record_id, kind, str(FIELDS[kind][(crm, obj)]), VALUES[kind]))
    return out


def corrupter(corruptions: list[Corruption]) -> Any:
    """The tap's corrupter: rewrites the planned records wherever a query / search / list answer carries them."""
    by_id = {c.record_id: c for c in corruptions}

    def corrupt(crm: str, path: str, body: Any) -> Any:
        if not isinstance(body, dict):
            return None
        rows = body.get("records") if crm == "salesforce" else body.get("results")
        if not isinstance(rows, list):
            return None
        changed = False
        for row in rows:
            if not isinstance(row, dict):
                continue
            record_id = str(row.get("Id") or row.get("id") or "")
            found = by_id.get(record_id)
            if found is None or found.crm != crm:
                continue
            _apply(row, found)
            changed = True
        return body if changed else None

    return corrupt


def _apply(row: dict[str, Any], c: Corruption) -> None:
    if c.crm == "salesforce":
        if c.kind == "missing_id":
            row.pop("Id", None)
            if isinstance(row.get("attributes"), dict):
                row["attributes"].pop("url", None)
        else:
            row[c.field] = c.record_id if c.value is SELF else c.value
        return
    props = row.setdefault("properties", {})
    if c.kind == "missing_id":
        row.pop("id", None)
        props.pop("hs_object_id", None)
    else:
        props[c.field] = c.record_id if c.value is SELF else c.value


def _live_ids(stack: Stack, crm: str, obj: str) -> list[str]:
    with stack.sandbox.lock(crm):  # type: ignore[arg-type]
        if crm == "salesforce":
            table: Any = stack.sandbox.sf_org.table(obj)  # type: ignore[attr-defined]
            return [table.id_of(r) for r in table.rows(include_deleted=False)]
        store: Any = stack.sandbox.hs_account.stores[obj]  # type: ignore[attr-defined]
        return [str(store.ids[r]) for r in range(len(store.ids)) if store.state[r] == 1]


def run(ctx: Context, row: Row) -> None:
    for index, seed in enumerate(ctx.seeds(2)):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(150, 220), backend="postgresql" if index % 2 else "sqlite")
        label = f"seed {seed} {spec.backend}"
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            ids = {(crm, obj): _live_ids(stack, crm, obj) for crm in spec.crms for obj in OBJECTS[crm]}
            corruptions = plan_corruptions(ids, rng)
            stack.tap.corrupt = corrupter(corruptions)
            proc = stack.sync()
            row.runs += 1
            stack.tap.corrupt = None
            clean_exit(row, proc, label)
            run_row = stack.runs()[-1]
            row.check(
                proc.rc == 0 and run_row["status"] in ("partial", "succeeded"),
                f"{label}: the sync with malformed records ended {run_row['status']}: {proc.last_line()}",
            )
            _check_reasons(stack, row, label, corruptions, run_row)
            _check_emptied(stack, row, label, corruptions, run_row)
            _check_odd(stack, row, label, corruptions)
            skip: dict[tuple[str, str], set[str]] = {}
            for c in corruptions:
                skip.setdefault((c.crm, c.object), set()).add(c.record_id)
            tally = verify_store(stack, row, label, skip=skip)
        row.seeds += 1
        ctx.say(f"   {label}: {len(corruptions)} record(s) corrupted; run {run_row['status']}; everything else: "
                f"expected {tally.expected}, missing {tally.missing}, wrong {tally.wrong}")  # fmt: skip


def _reasons(stack: Stack, run_row: Mapping[str, Any]) -> tuple[dict[str, str], int]:
    """Skip reasons by record id (run errors and quarantine), and how many skips carried no id."""
    found: dict[str, str] = {}
    no_id = 0
    for error in run_row.get("errors") or []:
        if error.get("kind") == "skipped_record":
            if error.get("record_id"):
                found[str(error["record_id"])] = str(error.get("message") or "")
            else:
                no_id += 1
    for source_id, reason in stack.query("SELECT source_id, reason FROM quarantine"):
        found.setdefault(str(source_id), str(reason))
    return found, no_id


def _check_reasons(stack: Stack, row: Row, label: str, corruptions: list[Corruption], run_row: Any) -> None:
    reasons, no_id = _reasons(stack, run_row)
    for c in corruptions:
        if c.kind not in BAD or c.kind == "missing_id":
            continue
        reason = reasons.get(c.record_id, "")
        row.check(bool(reason.strip()), f"{label}: {c.crm}.{c.object} {c.record_id} ({c.kind} in {c.field}) was "
                                        "not skipped with a reason")  # fmt: skip
        stored = stack.query(f"SELECT count(*) FROM {_table(c)} WHERE connection = :c AND source_id = :s",
                             c=c.crm, s=c.record_id)[0][0]  # fmt: skip
        row.check(stored == 0, f"{label}: {c.crm}.{c.object} {c.record_id} ({c.kind}) was stored anyway")
    for c in corruptions:
        if c.kind in EITHER:
            stored = stack.query(f"SELECT count(*) FROM {_table(c)} WHERE connection = :c AND source_id = :s",
                                 c=c.crm, s=c.record_id)[0][0]  # fmt: skip
            row.check(
                stored == 1 or bool(reasons.get(c.record_id, "").strip()),
                f"{label}: {c.crm}.{c.object} {c.record_id} ({c.kind}) neither stored nor skipped with a reason",
            )
    missing_ids = sum(1 for c in corruptions if c.kind == "missing_id")
    row.check(no_id >= missing_ids, f"{label}: {missing_ids} record(s) without an id, {no_id} skip(s) reported "
                                    "without an id")  # fmt: skip


def _check_emptied(stack: Stack, row: Row, label: str, corruptions: list[Corruption], run_row: Any) -> None:
    """Each emptied field: its record stored, the column empty, and a warning naming the record and field."""
    extra = (run_row.get("counts") or {}).get("extra") or {}
    warned = {(str(w.get("record_id")), str(w.get("field"))) for w in extra.get("warnings") or []}
    for c in corruptions:
        if c.kind not in EMPTIED:
            continue
        column = COLUMN_OF[c.field]
        got = stack.query(f"SELECT {column} FROM {_table(c)} WHERE connection = :c AND source_id = :s",
                          c=c.crm, s=c.record_id)  # fmt: skip
        what = f"{label}: {c.crm}.{c.object} {c.record_id} ({c.kind} in {c.field})"
        if row.check(len(got) == 1, f"{what} was not stored: one bad field must not set the record aside"):
            row.check(got[0][0] is None, f"{what} stored {str(got[0][0])[:40]!r}, not empty")
        row.check((c.record_id, c.field) in warned, f"{what} has no data-quality warning naming record and field")


def _check_odd(stack: Stack, row: Row, label: str, corruptions: list[Corruption]) -> None:
    for c in corruptions:
        if c.kind not in ODD:
            continue
        column = "name"
        got = stack.query(f"SELECT {column} FROM {_table(c)} WHERE connection = :c AND source_id = :s",
                          c=c.crm, s=c.record_id)  # fmt: skip
        want = str(c.value)[: TEXT_LIMITS[column]]
        if not row.check(bool(got), f"{label}: {c.crm}.{c.object} {c.record_id} ({c.kind}) was not stored"):
            continue
        have = str(got[0][0])
        if c.kind == "odd_unicode":  # PostgreSQL text cannot hold NUL: dropping only NUL is the one allowed change
            row.check(
                have in (want, want.replace("\x00", "")),
                f"{label}: {c.crm}.{c.object} {c.record_id}: odd Unicode stored as {have[:40]!r}",
            )
        else:
            row.check(
                have == want,
                f"{label}: {c.crm}.{c.object} {c.record_id}: a {len(str(c.value)):,}-character "
                f"name stored as {len(have):,} characters, not its first {len(want)}",
            )


def _table(c: Corruption) -> str:
    return "source_account" if c.object in ("Account", "companies") else "opportunity"
