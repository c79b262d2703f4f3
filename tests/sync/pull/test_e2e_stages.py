"""Stage durations end to end (kpis.md sections 5 and 8): the job pulls both CRMs' stage metadata and history
from the sandbox, and `accountsync kpis` and `GET /api/kpis` show per connection and pipeline, in the CRMs'
display order and with their labels, what this test computes itself from the sandbox's own records."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

import pytest
from sqlmodel import select

from accountsync.api import ApiState
from accountsync.web import create_app
from sandbox.hubspot.pipelines import pipelines_json
from sandbox.server import Sandbox
from sync import StageMeta, session
from sync.access.tokens import create_token
from sync.serve.service import DeploymentHolder
from tests.sync.conftest_e2e import E2E, HS, JOB, NOW, SF, hs_ids, hs_truth, primary_company, sf_ids, sf_truth

with warnings.catch_warnings():  # starlette wants `httpx2` for its test client; httpx works (tests/service)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

T = NOW.date()
END_OF_T = datetime.combine(T + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
Stage = tuple[str, str]  # (connection, stage id)


def sf_stages(sb: Sandbox) -> dict[Stage, dict[str, Any]]:
    """OpportunityStage as the org holds it: keyed by ApiName (what StageName holds), in SortOrder."""
    records = [sb.admin("get", SF, object="OpportunityStage", id=i) for i in sf_ids(sb, "OpportunityStage")]
    return {(SF, r["ApiName"]): {"label": r["MasterLabel"], "closed": r["IsClosed"], "pipeline": None,
                                 "pipeline_label": None, "order": (0, r["SortOrder"])}
            for r in records}  # fmt: skip


def hs_stages() -> dict[Stage, dict[str, Any]]:
    """The deal pipelines as the sandbox serves them; metadata values are strings."""
    return {(HS, s["id"]): {"label": s["label"], "closed": s["metadata"]["isClosed"] == "true",
                            "pipeline": p["id"], "pipeline_label": p["label"],
                            "order": (p["displayOrder"], s["displayOrder"])}
            for p in pipelines_json("deals")["results"] for s in p["stages"]}  # fmt: skip


def sf_deals(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """Live opportunities of live accounts, with their stage entries oldest first."""
    accounts = {i for i, a in sf_truth(sb, "Account").items() if not a["deleted"]}
    opportunities = {i: o | {"history": []} for i, o in sf_truth(sb, "Opportunity").items()
                     if not o["deleted"] and o["account"] in accounts}  # fmt: skip
    for row in sf_truth(sb, "OpportunityHistory").values():
        if row["opportunity"] in opportunities:
            opportunities[row["opportunity"]]["history"].append((row["entered_at"], row["stage"]))
    return opportunities


def hs_deals(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """Live deals whose primary company is live, with their `dealstage` entries oldest first, a stage set
    again while the deal already sat in it being no new entry."""
    companies = {i for i, c in hs_truth(sb, "companies").items() if not c["deleted"]}
    deals = {}
    for deal_id in hs_ids(sb, "deals"):
        deal = sb.admin("get", HS, object="deals", id=deal_id)
        if deal["state"] != "live" or primary_company(sb, deal_id) not in companies:
            continue
        with sb.lock(HS):
            store: Any = sb.hs_account.stores["deals"]  # type: ignore[attr-defined]
            entries = store.history_of(store.row_of(deal_id), "dealstage")
        history: list[tuple[datetime, str]] = []
        for entry in sorted(entries, key=lambda e: e.timestamp):
            if entry.value and (not history or history[-1][1] != str(entry.value)):
                history.append((datetime.fromtimestamp(entry.timestamp / 1000, UTC), str(entry.value)))
        closes = deal["properties"]["closedate"]
        deals[str(deal_id)] = {"is_closed": deal["properties"]["hs_is_closed"] == "true", "history": history,
                               "close_date": datetime.fromisoformat(closes.replace("Z", "+00:00")).date()
                               if closes else None}  # fmt: skip
    return deals


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    position = 0.9 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float]) -> float:
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def stays(connection: str, deals: dict[str, dict[str, Any]], meta: dict[Stage, dict[str, Any]]) -> dict[Stage, list]:
    """kpis.md section 8, by hand: each entry is a stay until the next entry, else until the end of T when
    the deal is open, else until the end of its close date; closed stages (by the metadata) have none."""
    found: dict[Stage, list[float]] = {}
    for deal in deals.values():
        history = sorted((at, stage) for at, stage in deal["history"] if at < END_OF_T)
        for n, (entered, stage) in enumerate(history):
            if meta[(connection, stage)]["closed"]:
                continue
            if n + 1 < len(history):
                end = history[n + 1][0]
            elif not deal["is_closed"]:
                end = END_OF_T
            elif deal["close_date"] is not None:
                end = datetime.combine(deal["close_date"] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            else:
                continue
            days = (min(end, END_OF_T) - entered).total_seconds() / 86400
            found.setdefault((connection, stage), []).append(max(days, 0.0))
    return found


def expected(sb: Sandbox) -> list[dict[str, Any]]:
    meta = sf_stages(sb) | hs_stages()
    found = stays(SF, sf_deals(sb), meta) | stays(HS, hs_deals(sb), meta)
    order = sorted(found, key=lambda key: (key[0], meta[key]["order"]))
    return [{"connection": key[0], "pipeline": meta[key]["pipeline"], "pipeline_label": meta[key]["pipeline_label"],
             "stage": key[1], "label": meta[key]["label"], "stays": len(found[key]),
             "median_days": pytest.approx(median(found[key])), "p90_days": pytest.approx(p90(found[key]))}
            for key in order]  # fmt: skip


def kpis_json(e2e: E2E) -> dict[str, Any]:
    process = e2e.cli("kpis", "--as-of", T.isoformat(), "--format", "json", log="kpis")
    assert process.wait(timeout=300) == 0, e2e.output("kpis")[1]
    [portfolio] = json.loads(e2e.output("kpis")[0])
    return portfolio  # type: ignore[no-any-return]


@pytest.fixture
def pulled(make_e2e) -> E2E:
    e2e = make_e2e(accounts=60, seed=5)
    job = e2e.cli("run", JOB, "--as-of", T.isoformat(), log="run")  # the whole job: its scores are what the API shows
    assert job.wait(timeout=300) == 0, e2e.output("run")[1]
    return e2e


def test_the_job_stores_both_crms_stage_metadata_with_pipelines_labels_and_order(pulled: E2E) -> None:
    meta = sf_stages(pulled.sandbox) | hs_stages()
    with session(pulled.engine) as s:
        stored = {(r.connection, r.stage): r for r in s.exec(select(StageMeta)).all()}
    assert set(stored) == set(meta)
    for key, want in meta.items():
        row = stored[key]
        assert (row.label, row.is_closed, row.pipeline, row.pipeline_label) == (
            want["label"],
            want["closed"],
            want["pipeline"],
            want["pipeline_label"],
        ), key
        assert (row.pipeline_order if key[0] == HS else 0, row.display_order) == want["order"], key


def test_kpis_and_the_api_show_stage_durations_per_pipeline_in_order_computed_from_the_sandbox(pulled: E2E) -> None:
    want = expected(pulled.sandbox)
    assert {row["connection"] for row in want} == {SF, HS}
    assert len({row["pipeline"] for row in want if row["connection"] == HS}) == 2  # both pipelines have stays
    shown = kpis_json(pulled)["stage_durations"]
    assert shown == want
    token = create_token(pulled.engine, name="viewer", role="viewer")
    holder = DeploymentHolder(pulled.deployment)
    with TestClient(create_app(ApiState(pulled.engine, holder))) as client:
        body = client.get("/api/kpis", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["stage_durations"] == want
    # Never interleaved: each HubSpot pipeline's stages are one run.
    runs = [pipeline for pipeline, _ in groupby(row["pipeline"] for row in shown if row["connection"] == HS)]
    assert len(runs) == len(set(runs)) == 2


def test_the_run_table_shows_stage_history_as_read_not_as_nothing_inserted(pulled: E2E) -> None:
    """Stage history is keyed by its content, so a run cannot tell its inserts from its updates: the table says
    "-" there, not a 0 that reads as "nothing new", while Opportunity (keyed by id) counts its inserts."""
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in pulled.output("run")[0].splitlines() if line.count("│") >= 8}  # fmt: skip
    history, deals = rows[f"{SF}.OpportunityHistory"], rows[f"{SF}.Opportunity"]
    assert int(history[0].replace(",", "")) > 0  # read
    assert history[1:3] == ["-", "-"]  # inserted, updated
    assert int(deals[1].replace(",", "")) > 0  # a first run: inserted
