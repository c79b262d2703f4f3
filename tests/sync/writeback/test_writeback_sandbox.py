"""Write-back end to end through the sandbox: the real connectors, counted by the sandbox's request log, with
the bodies the CRMs received kept by the write tap (`conftest_writeback.py`)."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from connectors.hubspot.convert import to_hubspot
from sync import WritebackRejection, session
from sync.jobs import run_sync
from sync.writeback.figures import format_value
from tests.sync.conftest_writeback import (
    HS_FIELDS,
    SF_FIELDS,
    WRITE_ROUTES,
    WbEnv,
    insert_scores,
    seeded_figures,
)

CRM = {"sf": "salesforce", "hs": "hubspot"}
FIELDS = {"sf": SF_FIELDS, "hs": HS_FIELDS}


def _first_scores(wb: WbEnv, seed: int = 1) -> dict[str, dict[str, Any]]:
    wb.pull()
    figures = seeded_figures(wb.keys(), seed)
    insert_scores(wb.engine, figures)
    return figures


def _changes(wb: WbEnv) -> dict[str, list[str]]:
    """Per CRM: the non-GET routes the sandbox served (what changed anything), oauth logins left out."""
    routes = wb.sb.stats()["routes"]
    return {
        crm: sorted(f"{r} x{v['count']}" for r, v in routes.get(crm, {}).items()
                    if not r.startswith("GET ") and "oauth2" not in r)
        for crm in CRM.values()
    }  # fmt: skip


def _expected(wb: WbEnv, connection: str, figures: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Record id -> field -> the value as the connector sends it, for every live record of `connection`."""
    out = {}
    for record in wb.live(connection):
        f = figures[record.account_key or ""]
        values = {name: format_value(figure, f[figure]) for figure, name in FIELDS[connection].items()}
        out[record.source_id] = values if connection == "sf" else {k: to_hubspot(v) for k, v in values.items()}
    return out


def test_writeback_first_write_uses_ceil_n_over_200_and_100_calls_plus_provisioning(database_url, make_wb) -> None:
    wb = make_wb(database_url, accounts=400)
    _first_scores(wb)
    n_sf, n_hs = len(wb.live("sf")), len(wb.live("hs"))
    assert n_sf > 200  # more than one batch on each side
    assert n_hs > 200
    wb.sb.reset()
    summary = wb.writeback()
    assert summary.status == "succeeded", summary
    sf_calls, hs_calls = math.ceil(n_sf / 200), math.ceil(n_hs / 100)
    assert _changes(wb) == {
        "salesforce": sorted([
            f"{WRITE_ROUTES['salesforce']} x{sf_calls}",
            "POST /services/data/v{version}/tooling/sobjects/{sobject} x5",  # one CustomField per missing field
            "POST /services/data/v{version}/composite/sobjects x1",  # their FieldPermissions, in one call
        ]),
        "hubspot": sorted([
            f"{WRITE_ROUTES['hubspot']} x{hs_calls}",
            "POST /crm/v3/properties/{object_type}/groups x1",  # the group `accountsync`
            "POST /crm/v3/properties/{object_type} x5",  # one property per missing field
        ]),
    }  # fmt: skip
    routes = wb.sb.stats()["routes"]
    assert routes["salesforce"][WRITE_ROUTES["salesforce"]]["records"] == n_sf
    assert routes["hubspot"][WRITE_ROUTES["hubspot"]]["records"] == n_hs
    assert [t["write_calls"] for t in summary.targets] == [sf_calls, hs_calls]
    for crm, n, size in (("salesforce", n_sf, 200), ("hubspot", n_hs, 100)):  # full batches, then the rest
        assert [len(w.values) for w in wb.tap.sent(crm)] == [size] * (n // size) + ([n % size] if n % size else [])
    assert all(n == 1 for crm in CRM.values() for n in wb.tap.landed(crm).values())


def test_writeback_unchanged_rerun_makes_zero_write_calls_even_after_pulling_our_values(database_url, make_wb) -> None:
    wb = make_wb(database_url)
    figures = _first_scores(wb)
    assert wb.writeback().status == "succeeded"
    wb.pull()  # the store now holds the written values as the CRMs show them: not a rep's edit
    insert_scores(wb.engine, figures)  # a new scoring run with the same figures
    wb.sb.reset()
    summary = wb.writeback()
    assert summary.status == "succeeded"
    assert _changes(wb) == {"salesforce": [], "hubspot": []}
    for target in summary.targets:
        assert target["updates"] == []
        assert target["skipped_rep_owned"] == 0
        assert target["unchanged"] == len(wb.live(target["connection"])) * len(SF_FIELDS)


def test_writeback_a_change_to_k_accounts_sends_exactly_those_records_and_fields(sqlite_url, make_wb) -> None:
    wb = make_wb(sqlite_url)
    figures = _first_scores(wb)
    wb.writeback()
    changed = random.Random(3).sample(sorted(figures), 7)
    new = {k: v | ({"health": v["health"] + 1, "reasons": ["Usage up 40%"]} if k in changed else {})
           for k, v in figures.items()}  # fmt: skip
    insert_scores(wb.engine, new)
    wb.sb.reset()
    wb.tap.clear()
    wb.writeback()
    for connection, crm in CRM.items():
        expected = {rid: {FIELDS[connection]["health"]: v[FIELDS[connection]["health"]],
                          FIELDS[connection]["reasons"]: v[FIELDS[connection]["reasons"]]}
                    for rid, v in _expected(wb, connection, new).items()
                    if next(r.account_key for r in wb.live(connection) if r.source_id == rid) in changed}  # fmt: skip
        assert expected, connection
        assert wb.tap.values(crm) == expected
        assert wb.write_calls(crm) == math.ceil(len(expected) / (200 if crm == "salesforce" else 100))


def test_writeback_dry_run_plan_equals_record_by_record_what_the_real_run_sends(sqlite_url, make_wb) -> None:
    wb = make_wb(sqlite_url)
    figures = _first_scores(wb)
    wb.sb.reset()
    shown = wb.run_cli("writeback", "wb", "--dry-run", "--json", "-c", str(wb.config))
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.stdout)
    assert _changes(wb) == {"salesforce": [], "hubspot": []}  # nothing created, nothing written
    assert [sorted(t["create_fields"]) for t in plan["targets"]] == [sorted(SF_FIELDS.values()),
                                                                     sorted(HS_FIELDS.values())]  # fmt: skip
    summary = wb.writeback()
    assert summary.status == "succeeded"
    for target in plan["targets"]:
        crm, convert = CRM[target["connection"]], (lambda v: v) if target["connection"] == "sf" else to_hubspot
        planned = {u["record_id"]: {k: convert(v) for k, v in u["values"].items()} for u in target["updates"]}
        assert planned == wb.tap.values(crm)
        assert planned == _expected(wb, target["connection"], figures)
        assert target["write_calls"] == wb.write_calls(crm)
    assert all(t["updates"] == [] for t in wb.writeback(dry_run=True).targets)


def test_writeback_rejected_records_are_stored_with_code_and_message_and_retried(database_url, make_wb) -> None:
    wb = make_wb(database_url)
    _first_scores(wb)
    sf_ids, hs_ids = sorted(r.source_id for r in wb.live("sf")), sorted(r.source_id for r in wb.live("hs"))
    wb.sb.admin("reject_writes", "salesforce", object="Account", ids=sf_ids[:2],
                code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Scores need a RevOps approval")  # fmt: skip
    wb.sb.admin("lock", "salesforce", object="Account", ids=[sf_ids[2]])
    wb.sb.admin("reject_writes", "hubspot", object="companies", ids=[hs_ids[0]], code="VALIDATION_RULE",
                message="Tier is frozen this quarter")  # fmt: skip
    wb.sb.admin("lock", "hubspot", object="companies", ids=[hs_ids[1]])
    summary = wb.writeback()
    assert summary.status == "partial"
    with session(wb.engine) as s:
        stored = s.exec(select(WritebackRejection).where(WritebackRejection.run_id == summary.run_id)).all()
    assert sorted((r.connection, r.record_id, r.code) for r in stored) == sorted([
        ("sf", sf_ids[0], "FIELD_CUSTOM_VALIDATION_EXCEPTION"), ("sf", sf_ids[1], "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        ("sf", sf_ids[2], "UNABLE_TO_LOCK_ROW"), ("hs", hs_ids[0], "VALIDATION_ERROR"), ("hs", hs_ids[1], "LOCKED"),
    ])  # fmt: skip
    messages = {r.record_id: r.message for r in stored}
    assert messages[sf_ids[0]] == "Scores need a RevOps approval"
    assert "Tier is frozen this quarter" in messages[hs_ids[0]]
    shown = wb.cli("runs", "show", str(summary.run_id))  # a child process: `runs show` leaves its pool open
    out, err = shown.communicate(timeout=120)
    assert shown.returncode == 0, err.decode()
    shown_text = " ".join(out.decode().split())  # `runs show` wraps long lines to the terminal's width
    for r in stored:
        assert " ".join(f"rejected {r.connection} {r.object} {r.record_id}: {r.code} {r.message}".split()) in shown_text
    wb.sb.admin("stop_rejecting", "salesforce", object="Account")
    wb.sb.admin("unlock", "salesforce", object="Account")
    wb.sb.admin("stop_rejecting", "hubspot", object="companies")
    wb.sb.admin("unlock", "hubspot", object="companies", ids=[hs_ids[1]])
    first = {crm: set(wb.tap.landed(crm)) for crm in CRM.values()}
    wb.tap.clear()
    assert wb.writeback().status == "succeeded"
    assert set(wb.tap.values("salesforce")) == set(sf_ids[:3])
    assert set(wb.tap.values("hubspot")) == set(hs_ids[:2])
    assert not any(first[crm] & set(wb.tap.landed(crm)) for crm in CRM.values())  # nothing written twice
    with session(wb.engine) as s:
        assert all(r.resolved_at is not None for r in s.exec(select(WritebackRejection)).all())


def test_writeback_leaves_a_rep_edited_rep_owned_field_alone(sqlite_url, make_wb) -> None:
    wb = make_wb(sqlite_url)
    figures = _first_scores(wb)
    first = {k: v | {"tier": "C"} for k, v in figures.items()}
    insert_scores(wb.engine, first)
    wb.writeback()
    sf_rec, hs_rec = wb.live("sf")[0], wb.live("hs")[0]
    owner = wb.sb.admin("get", "salesforce", object="Account", id=sf_rec.source_id)["OwnerId"]
    edited = wb.sb.admin("update", "salesforce", object="Account", id=sf_rec.source_id,
                         fields={SF_FIELDS["tier"]: "B"}, user=owner)  # fmt: skip
    integration = wb.sb.admin("get", "salesforce", object="Account", id=wb.live("sf")[1].source_id)
    assert edited["LastModifiedById"] != integration["LastModifiedById"]  # a rep, not the integration user
    wb.sb.admin("update", "hubspot", object="companies", id=hs_rec.source_id, fields={HS_FIELDS["tier"]: "B"})
    wb.pull()
    insert_scores(wb.engine, {k: v | {"tier": "A", "score": 99.0} for k, v in first.items()})
    wb.tap.clear()
    summary = wb.writeback()
    for connection, rec in (("sf", sf_rec), ("hs", hs_rec)):
        sent = wb.tap.values(CRM[connection])
        tier, score = FIELDS[connection]["tier"], FIELDS[connection]["score"]
        assert tier not in sent[rec.source_id]
        assert score in sent[rec.source_id]
        assert all(v[tier] == "A" for rid, v in sent.items() if rid != rec.source_id)
        assert next(t for t in summary.targets if t["connection"] == connection)["skipped_rep_owned"] == 1
    assert wb.sb.admin("get", "salesforce", object="Account", id=sf_rec.source_id)[SF_FIELDS["tier"]] == "B"
    hs_now = wb.sb.admin("get", "hubspot", object="companies", id=hs_rec.source_id)["properties"]
    assert hs_now[HS_FIELDS["tier"]] == "B"


def test_writeback_leaves_a_rep_edit_alone_when_no_pull_ran_since(sqlite_url, make_wb) -> None:
    wb = make_wb(sqlite_url, accounts=60)
    figures = {k: v | {"tier": "C"} for k, v in _first_scores(wb).items()}
    insert_scores(wb.engine, figures)
    wb.writeback()
    sf_rec, hs_rec = wb.live("sf")[0], wb.live("hs")[0]
    wb.sb.admin("update", "salesforce", object="Account", id=sf_rec.source_id, fields={SF_FIELDS["tier"]: "B"})
    wb.sb.admin("update", "hubspot", object="companies", id=hs_rec.source_id, fields={HS_FIELDS["tier"]: "B"})
    insert_scores(wb.engine, {k: v | {"tier": "A"} for k, v in figures.items()})  # the store's copy is older
    wb.tap.clear()
    wb.writeback()
    for connection, rec in (("sf", sf_rec), ("hs", hs_rec)):
        sent = wb.tap.values(CRM[connection])
        assert rec.source_id not in sent  # its one changed field is the rep's now
        assert len(sent) == len(wb.live(connection)) - 1
    assert wb.sb.admin("get", "salesforce", object="Account", id=sf_rec.source_id)[SF_FIELDS["tier"]] == "B"
    hs_now = wb.sb.admin("get", "hubspot", object="companies", id=hs_rec.source_id)["properties"]
    assert hs_now[HS_FIELDS["tier"]] == "B"


def test_writeback_then_a_pull_audits_clean_when_the_crm_stamps_our_writes_after_the_pull_started(
    sqlite_url, make_wb
) -> None:
    wb = make_wb(sqlite_url, accounts=60)
    _first_scores(wb)
    assert wb.writeback().status == "succeeded"
    # HubSpot's clock runs ahead of ours (or a burst of writes pushed its strictly increasing stamps ahead): one
    # company we just wrote carries a stamp after the next pull's start
    ahead = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    wb.sb.admin("update", "hubspot", object="companies", id=wb.live("hs")[0].source_id, fields={}, stamp=ahead)
    summary = run_sync(wb.deployment, "wb", engine=wb.engine)
    assert summary.errors == []
    assert summary.status == "succeeded"
