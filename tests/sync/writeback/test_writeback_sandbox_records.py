"""Which CRM records write-back touches, and what a rep then sees: deleted and merged-away records are never
written, the survivor gets its account's values, and the values read back through the CRM APIs are the store's
scores."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from sync import SourceAccount, WritebackRejection, session
from sync.jobs import default_factory, find_job, run_score
from sync.writeback.figures import format_value
from sync.writeback.plan import latest_scores
from sync.writeback.readback import read_back
from tests.sync.conftest_writeback import AS_OF, HS_FIELDS, JOB, SF_FIELDS, WbEnv, insert_scores, seeded_figures

TARGETS = {"sf": ("salesforce", "Account", SF_FIELDS), "hs": ("hubspot", "companies", HS_FIELDS)}


def _gone(wb: WbEnv, connection: str) -> set[str]:
    with session(wb.engine) as s:
        rows = s.exec(
            select(SourceAccount.source_id).where(SourceAccount.connection == connection)
            .where(col(SourceAccount.deleted_at).is_not(None))
        ).all()  # fmt: skip
    return set(rows)


def _from_store(fields: dict[str, str], figures: dict[str, Any]) -> dict[str, Any]:
    """CRM field -> the account's figure, formatted as write-back sends it."""
    return {name: format_value(figure, figures.get(figure)) for figure, name in fields.items()}


def _from_crm(fields: dict[str, str], record: dict[str, Any]) -> dict[str, Any]:
    """CRM field -> the value the CRM holds, formatted the same way (a HubSpot number arrives as text)."""
    return {name: format_value(figure, record.get(name)) for figure, name in fields.items()}


def test_writeback_never_writes_deleted_or_merged_away_records_and_the_survivor_gets_the_values(
    sqlite_url, make_wb
) -> None:
    wb = make_wb(sqlite_url, accounts=200)
    wb.pull()
    gone = {c: _gone(wb, c) for c in TARGETS}
    assert gone["sf"]  # the world's own deleted and merged-away records
    assert gone["hs"]
    insert_scores(wb.engine, seeded_figures(wb.keys(), 1))
    assert wb.writeback().status == "succeeded"
    sf, hs = (sorted(r.source_id for r in wb.live(c)) for c in ("sf", "hs"))
    wb.sb.admin("delete", "salesforce", object="Account", ids=[sf[0]])
    wb.sb.admin("merge", "salesforce", object="Account", survivor=sf[1], victim=sf[2])
    wb.sb.admin("delete", "hubspot", object="companies", ids=[hs[0]])
    wb.sb.admin("merge", "hubspot", object="companies", survivor=hs[1], victim=hs[2])
    wb.pull()
    assert _gone(wb, "sf") == gone["sf"] | {sf[0], sf[2]}
    assert _gone(wb, "hs") == gone["hs"] | {hs[0], hs[2]}
    figures = seeded_figures(wb.keys(), 2)  # every account's values change
    insert_scores(wb.engine, figures)
    first = {crm: set(wb.tap.values(crm)) for crm, _, _ in TARGETS.values()}
    wb.tap.clear()
    assert wb.writeback().status == "succeeded"
    for connection, (crm, obj, fields) in TARGETS.items():
        assert not first[crm] & gone[connection], "a record deleted or merged away before the first run"
        assert not set(wb.tap.values(crm)) & _gone(wb, connection), "a record deleted or merged away since"
        survivor = next(r for r in wb.live(connection) if r.source_id == (sf[1] if connection == "sf" else hs[1]))
        held = wb.sb.admin("get", crm, object=obj, id=survivor.source_id)
        held = held if crm == "salesforce" else held["properties"]
        assert _from_crm(fields, held) == _from_store(fields, figures[survivor.account_key or ""])
    with session(wb.engine) as s:
        assert s.exec(select(WritebackRejection)).all() == []


def test_writeback_values_read_back_through_the_crm_apis_equal_the_scores_in_the_store(sqlite_url, make_wb) -> None:
    wb = make_wb(sqlite_url, accounts=120, sf_objects=("Account", "Opportunity"), hs_objects=("companies", "deals"))
    wb.pull()
    run_score(wb.deployment, engine=wb.engine, as_of=AS_OF)  # the real pipeline: pull, then score
    assert wb.writeback().status == "succeeded"
    scores = latest_scores(wb.engine)
    job = find_job(wb.deployment, JOB)
    for connection, (_, obj, fields) in TARGETS.items():
        records = wb.live(connection)
        connector = default_factory(wb.deployment, connection, job)
        try:
            crm = connector.fetch(obj, [r.source_id for r in records], list(fields.values()))
        finally:
            connector.close()
        for r in records:
            assert _from_crm(fields, crm[r.source_id]) == _from_store(fields, scores[r.account_key or ""]), r
    both = next(r.account_key for r in wb.live("hs") if r.account_key in {s.account_key for s in wb.live("sf")})
    views = read_back(wb.deployment, JOB, both or "", engine=wb.engine)
    assert sorted(v.connection for v in views) == ["hs", "sf"]
    for view in views:
        fields = TARGETS[view.connection][2]
        assert _from_crm(fields, view.fields) == _from_store(fields, scores[both or ""])
    shown = wb.run_cli("account", both or "", "--json", "-c", str(wb.config))
    assert shown.exit_code == 0, shown.output
    answer = json.loads(shown.stdout)
    assert [(v["connection"], v["record_id"], v["fields"]) for v in answer["crm"]] == [
        (v.connection, v.record_id, json.loads(json.dumps(v.fields, default=str))) for v in views
    ]
