"""The reliability suite's harness (`chaos/`), without its scenarios' subprocesses: the comparisons it judges
by, the tap it counts and kills with, the breakage it proves itself with, its table. Then the product bugs the
suite found, each fixed, as regression tests."""

from __future__ import annotations

import ast
import asyncio
import json
import random
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# `chaos/` is a tool of this repository, not an installed package (the product never imports it): the tests
# find it at the repository's root, as `python -m chaos` does from there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chaos.api_probe import ROUTES, Caller, expected_status, percentile
from chaos.breakage import break_checkpoint, break_writeback_ledger
from chaos.config_fuzz import check_output, config_texts
from chaos.report import Row, render
from chaos.scenarios import SCENARIOS
from chaos.scenarios.kill_sync import Calibration, kill_plan, variant
from chaos.scenarios.malformed import BAD, FIELDS, corrupter, plan_corruptions
from chaos.scenarios.storms import repeated_writes
from chaos.secrets import SecretBook, scanned_files
from chaos.stack import Stack, StackSpec
from chaos.suite import Context, select
from chaos.tap import Hook, Tap, TapState, WriteEvent, is_write, write_events
from chaos.truth import SourceRecord, StoredRecord, Tally, compare, expected_value, normal
from chaos.writes import check_writes, planned_cells, same_value
from config import ConfigError, load_deployment
from connectors.domains import normalise_domain
from connectors.hubspot.rows import hubspot_company
from connectors.rows import Context as NormaliseContext
from sync import build_engine
from sync.errors import StoreError
from sync.jobs import run_sync
from sync.pull.cursors import load as load_cursor
from sync.runs.browse import get_run
from sync.runs.queue import RunNotFound, cancel
from sync.store.engine import session
from sync.store.migrate import ensure_current, upgrade

ROOT = Path(__file__).resolve().parents[1]
T = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


# -- store against source ----------------------------------------------------------------------------------------


def test_compare_counts_missing_wrong_and_ghost_records_and_leaves_skipped_ones_out() -> None:
    key = ("hubspot", "companies")
    source = {key: {
        "1": SourceRecord("live", {"name": "Acme", "modstamp": "2026-05-01T12:00:00.123Z"}),
        "2": SourceRecord("live", {"name": "Beta", "modstamp": "2026-05-01T12:00:00.123Z"}),
        "3": SourceRecord("live", {"name": "Gamma", "modstamp": "2026-05-01T12:00:00.123Z"}),
        "4": SourceRecord("deleted", {}),
        "5": SourceRecord("live", {"name": "Skipped", "modstamp": None}),
        "6": SourceRecord("gone", {}),
    }}  # fmt: skip
    stored = {key: {
        "1": StoredRecord(True, {"name": "Acme", "modstamp": T.replace(tzinfo=None)}),
        "2": StoredRecord(True, {"name": "Beta Corp", "modstamp": T}),
        "4": StoredRecord(True, {"name": "Deleted", "modstamp": T}),
        "6": StoredRecord(False, {"name": "Gone", "modstamp": T}),
    }}  # fmt: skip
    tally = compare(source, stored, skip={key: {"5"}})
    assert (tally.expected, tally.missing, tally.wrong) == (3, 1, 2)
    assert any("3: not stored" in e for e in tally.examples)
    assert any("deleted in the CRM, live in the store" in e for e in tally.examples)


@pytest.mark.parametrize(
    ("column", "crm_value", "stored_value"),
    [
        ("modstamp", "2026-05-01T12:00:00.123+0000", T),
        ("modstamp", "2026-05-01T12:00:00.123Z", T.replace(tzinfo=None)),
        ("modstamp", str(int(T.timestamp() * 1000)), T),
        ("amount", 1250.5, Decimal("1250.500000")),
        ("amount", "1250.50", "1250.5"),
        ("name", "x" * 600, "x" * 512),
        ("name", "", None),
    ],
)
def test_values_compare_as_the_store_keeps_them(column: str, crm_value: Any, stored_value: Any) -> None:
    assert expected_value(column, crm_value) == normal(column, stored_value)


def test_tallies_add_up_and_keep_a_few_examples() -> None:
    total = Tally()
    for n in range(10):
        part = Tally(expected=2, missing=1)
        part.note(f"problem {n}")
        total.add(part)
    assert (total.expected, total.missing, total.clean) == (20, 10, False)
    assert len(total.examples) == 6


# -- write-back against what the CRMs received -------------------------------------------------------------------


def _event(seq: int, record: str, values: dict[str, Any], ok: bool = True, crm: str = "hubspot") -> WriteEvent:
    return WriteEvent(seq, crm, "companies", record, values, ok)


def test_each_planned_value_must_be_accepted_once_and_held_by_the_crm() -> None:
    plan = {"targets": [{"crm": "hubspot", "updates": [
        {"record_id": "1", "values": {"score": 87.5, "tier": "A"}},
        {"record_id": "2", "values": {"score": 40}},
        {"record_id": "3", "values": {"score": 10}},
    ]}]}  # fmt: skip
    cells = planned_cells(plan)
    writes = [
        _event(1, "1", {"score": "87.5", "tier": "A"}),
        _event(1, "2", {"score": "40"}, ok=False),  # refused: does not count
        _event(2, "1", {"score": "87.5", "tier": "A"}),  # a batch sent again
        _event(2, "2", {"score": "41"}),
        _event(2, "9", {"score": "1"}),  # never planned
    ]
    final = {("hubspot", "1", "score"): "87.5", ("hubspot", "1", "tier"): "A", ("hubspot", "2", "score"): "41"}
    result = check_writes(cells, writes, final)
    assert result.tally.expected == 4
    assert result.tally.missing == 1  # record 3
    assert result.duplicate_writes == 2  # record 1's two fields, sent twice
    assert result.tally.wrong == 2  # record 2 holds 41, not 40; record 9 was written unplanned
    assert result.unexpected == 1


def test_a_planned_value_the_crm_already_held_may_go_unsent_but_never_twice() -> None:
    plan = {"targets": [{"crm": "hubspot", "updates": [
        {"record_id": "1", "values": {"health": None}},  # already empty: a read-back may skip it
        {"record_id": "2", "values": {"health": None}},  # already empty, sent once: fine
        {"record_id": "3", "values": {"health": None}},  # already empty, sent twice: a duplicate
        {"record_id": "4", "values": {"health": None}},  # held 50 before: a change that must be sent
    ]}]}  # fmt: skip
    cells = planned_cells(plan)
    before = {("hubspot", "1", "health"): "", ("hubspot", "2", "health"): None,
              ("hubspot", "3", "health"): None, ("hubspot", "4", "health"): "50"}  # fmt: skip
    writes = [_event(1, "2", {"health": None}), _event(1, "3", {"health": None}), _event(2, "3", {"health": None})]
    final = dict.fromkeys(cells) | {("hubspot", "4", "health"): "50"}
    result = check_writes(cells, writes, final, before)
    assert result.tally.expected == 4
    assert result.duplicate_writes == 1  # record 3
    assert result.tally.missing == 1  # record 4: never written
    assert result.tally.wrong == 0


@pytest.mark.parametrize(
    ("planned", "seen", "same"),
    [(87.5, "87.5", True), (3, 3.0, True), ("A", "A", True), ("A", "B", False), (None, "", True), (1, None, False)],
)
def test_values_written_compare_by_value(planned: Any, seen: Any, same: bool) -> None:
    assert same_value(planned, seen) is same


def test_repeated_writes_count_a_value_accepted_twice_not_a_changed_value() -> None:
    writes = [_event(1, "1", {"score": 1}), _event(2, "1", {"score": 2}), _event(3, "1", {"score": 2}),
              _event(4, "2", {"score": 5}, ok=False), _event(5, "2", {"score": 5})]  # fmt: skip
    assert repeated_writes(writes) == 1


# -- the tap ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crm", "method", "path", "write"),
    [
        ("salesforce", "PATCH", "/services/data/v62.0/composite/sobjects", True),
        ("salesforce", "PATCH", "/services/data/v62.0/sobjects/Account/0018d000AbC0000AIB", True),
        ("salesforce", "GET", "/services/data/v62.0/query", False),
        ("salesforce", "POST", "/services/data/v62.0/tooling/sobjects/CustomField", False),
        ("hubspot", "POST", "/crm/v3/objects/companies/batch/update", True),
        ("hubspot", "PATCH", "/crm/v3/objects/companies/6100000001", True),
        ("hubspot", "POST", "/crm/v3/objects/companies/search", False),
        ("hubspot", "POST", "/crm/v3/properties/companies", False),
    ],
)
def test_write_calls_are_told_from_reads(crm: str, method: str, path: str, write: bool) -> None:
    assert is_write(crm, method, path) is write


def test_salesforce_collections_writes_take_each_records_verdict() -> None:
    sent = {"allOrNone": False, "records": [
        {"attributes": {"type": "Account"}, "id": "001A", "Score__c": 87.5},
        {"attributes": {"type": "Account"}, "id": "001B", "Score__c": 12.0},
    ]}  # fmt: skip
    said = [{"id": "001A", "success": True, "errors": []}, {"id": "001B", "success": False, "errors": [{}]}]
    events = write_events("salesforce", "/services/data/v62.0/composite/sobjects", 7, 200, orjson.dumps(sent),
                          orjson.dumps(said))  # fmt: skip
    assert [(e.record_id, e.values, e.ok, e.object) for e in events] == [
        ("001A", {"Score__c": 87.5}, True, "Account"), ("001B", {"Score__c": 12.0}, False, "Account")
    ]  # fmt: skip


def test_hubspot_batch_writes_are_accepted_only_for_the_results_it_lists() -> None:
    sent = {"inputs": [{"id": "1", "properties": {"score": "1"}}, {"id": "2", "properties": {"score": "2"}}]}
    said = {"status": "COMPLETE", "results": [{"id": "1", "properties": {}}], "errors": [{"context": {"ids": ["2"]}}]}
    events = write_events("hubspot", "/crm/v3/objects/companies/batch/update", 1, 207, orjson.dumps(sent),
                          orjson.dumps(said))  # fmt: skip
    assert [(e.record_id, e.ok) for e in events] == [("1", True), ("2", False)]
    refused = write_events("hubspot", "/crm/v3/objects/companies/batch/update", 2, 429, orjson.dumps(sent), b"{}")
    assert not any(e.ok for e in refused)


def _tapped_app(state: TapState) -> Tap:
    async def query(request: Request) -> JSONResponse:
        return JSONResponse({"records": [{"Id": "001A", "Name": "Acme"}, {"Id": "001B", "Name": "Beta"}]})

    async def collections(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse([{"id": r["id"], "success": True, "errors": []} for r in body["records"]])

    routes = [
        Route("/services/data/v62.0/query", query),
        Route("/services/data/v62.0/composite/sobjects", collections, methods=["PATCH"]),
    ]
    app = Starlette(routes=routes)
    return Tap(app, "salesforce", state)


def _calls(state: TapState, calls: list[tuple[str, str, Any]], between: Any = None) -> list[httpx.Response]:
    """Send `calls` (method, path, JSON) through a tapped app in order; `between(n)` runs after the n-th."""

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=_tapped_app(state))
        answers = []
        async with httpx.AsyncClient(transport=transport, base_url="https://sandbox") as client:
            for n, (method, path, body) in enumerate(calls, 1):
                answers.append(await client.request(method, path, json=body))
                if between is not None:
                    between(n)
        return answers

    return asyncio.run(main())


def test_a_hook_fires_once_at_the_kth_matching_request_on_arrival_or_after_the_answer() -> None:
    state = TapState()
    fired: list[str] = []
    seen: list[list[str]] = []
    state.arm(Hook(2, lambda: fired.append("arrive")))
    state.arm(Hook(1, lambda: fired.append("write answered"), phase="respond", matches=is_write))
    write = {"records": [{"attributes": {"type": "Account"}, "id": "001A", "X": 1}]}
    query = ("GET", "/services/data/v62.0/query", None)
    calls = [query, query, ("PATCH", "/services/data/v62.0/composite/sobjects", write), query]
    _calls(state, calls, between=lambda n: seen.append(list(fired)))
    assert seen == [[], ["arrive"], ["arrive", "write answered"], ["arrive", "write answered"]]
    assert state.requests == 4
    assert [(w.record_id, w.ok) for w in state.writes_of("salesforce")] == [("001A", True)]


def test_the_corrupter_rewrites_records_on_the_wire_with_a_right_content_length() -> None:
    state = TapState()
    plan = plan_corruptions({("salesforce", "Account"): ["001A"]}, random.Random(1))
    state.corrupt = corrupter(plan)
    (answer,) = _calls(state, [("GET", "/services/data/v62.0/query", None)])
    records = answer.json()["records"]
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert records[1] == {"Id": "001B", "Name": "Beta"}
    assert plan[0].record_id == "001A"
    assert records[0] != {"Id": "001A", "Name": "Acme"}


def test_every_malformation_applies_to_each_object_that_reads_its_field() -> None:
    objects = (("salesforce", "Account"), ("salesforce", "Opportunity"), ("hubspot", "companies"), ("hubspot", "deals"))
    ids = {(crm, obj): [f"{obj}-{n}" for n in range(20)] for crm, obj in objects}
    plan = plan_corruptions(ids, random.Random(5))
    assert len({c.record_id for c in plan}) == len(plan)
    assert {c.kind for c in plan} == set(FIELDS)
    assert {c.kind for c in plan if c.object == "Account"} >= BAD - {"bad_date"}


# -- breakage on purpose ------------------------------------------------------------------------------------------


class _StoreOnly(Stack):
    """A stack whose store is a migrated SQLite file and nothing else (no sandbox)."""

    def __init__(self, root: Path, crms: tuple[str, ...]) -> None:
        super().__init__(StackSpec(seed=1, crms=crms), root, SecretBook())
        upgrade(build_engine(self.store_url()))


def test_the_checkpoint_breakage_commits_positions_ahead_of_their_data(tmp_path: Path) -> None:
    stack = _StoreOnly(tmp_path, ("hubspot",))
    with stack.engine().begin() as conn:
        conn.execute(text("INSERT INTO stream_cursor (job, connection, stream, window_start, window_end, mode, last_id)"
                          " VALUES ('chaos', 'hubspot', 'companies', NULL, :end, 'search', '42')"),
                     {"end": T.replace(tzinfo=None)})  # fmt: skip
    assert break_checkpoint(stack, now=T) == 3
    with session(stack.engine()) as s:
        companies = load_cursor(s, job="chaos", connection="hubspot", stream="companies")
        deals = load_cursor(s, job="chaos", connection="hubspot", stream="deals")
    assert (companies.cursor, companies.window, companies.position) == (T, None, None)
    assert (deals.cursor, deals.window) == (T, None)
    stack.engine().dispose()


def test_the_writeback_breakage_forgets_pending_marks(tmp_path: Path) -> None:
    stack = _StoreOnly(tmp_path, ("hubspot",))
    with stack.engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO writeback_ledger (connection, object, record_id, field, value_hash, pending_hash) "
                "VALUES ('hubspot', 'companies', '1', 'a', 'h1', 'h2'), "
                "('hubspot', 'companies', '2', 'a', NULL, 'h3'), ('hubspot', 'companies', '3', 'a', 'h', NULL)"
            )
        )
    assert break_writeback_ledger(stack) == 2
    assert stack.query("SELECT record_id, value_hash, pending_hash FROM writeback_ledger ORDER BY record_id") == [
        ("1", "h1", None), ("3", "h", None)
    ]  # fmt: skip
    stack.engine().dispose()


# -- seeds, plans, the table --------------------------------------------------------------------------------------


def test_kill_plans_are_a_function_of_the_seed_and_land_inside_the_run() -> None:
    calibration = Calibration(requests=40, seconds=5.0)
    plans = [kill_plan(random.Random(f"kill-sync:{s}"), calibration) for s in range(50)]
    assert plans == [kill_plan(random.Random(f"kill-sync:{s}"), calibration) for s in range(50)]
    assert {p.mode for p in plans} == {"arrive", "respond", "timer"}
    assert all(1 <= p.at <= 40 for p in plans if p.mode != "timer")
    assert all(0.3 <= p.delay <= 5.0 for p in plans if p.mode == "timer")
    assert all(p.at <= 20 for p in (kill_plan(random.Random(s), calibration, early=True) for s in range(50))
               if p.mode != "timer")  # fmt: skip


def test_twenty_kill_seeds_cover_both_paths_both_crms_and_both_stores() -> None:
    variants = [variant(i, 1 + i) for i in range(20)]
    assert {c for crms, _, _, _ in variants for c in crms} == {"salesforce", "hubspot"}
    assert {bulk for crms, bulk, _, _ in variants if "salesforce" in crms} == {True, False}
    assert {backend for _, _, backend, _ in variants} == {"sqlite", "postgresql"}
    # HubSpot's full reads by the list and by search (a slow network), alone and beside Salesforce
    both, alone = ("salesforce", "hubspot"), ("hubspot",)
    assert {(crms, by_search) for crms, _, _, by_search in variants if "hubspot" in crms} == {
        (both, True),
        (both, False),
        (alone, True),
        (alone, False),
    }


def test_scenarios_are_chosen_by_name_or_prefix() -> None:
    assert [s.name for s in select(SCENARIOS, "kill")] == ["kill-sync", "kill-writeback"]
    assert [s.name for s in select(SCENARIOS, " api , 429-daily")] == ["api", "429-daily"]
    assert len(select(SCENARIOS, "")) == len(SCENARIOS)
    assert {s.name for s in select(SCENARIOS, "storms")} >= {"429-ten-secondly", "429-daily", "503-storm", "dropped"}
    with pytest.raises(ValueError, match="no scenario 'nope'"):
        select(SCENARIOS, "nope")
    assert Context(Path("."), base_seed=7, seeds_override=3).seeds(20) == [7, 8, 9]
    assert Context(Path("."), base_seed=7).seeds(2) == [7, 8]


def test_the_table_shows_every_counter_and_a_row_passes_only_clean_and_exercised() -> None:
    clean, dirty, idle = Row("kill-sync", seeds=2, runs=5), Row("secrets", seeds=1, runs=3), Row("api")
    clean.tally.expected = 1234
    dirty.secrets = 1
    dirty.fail("secret `hs_token` found in logs/001-sync.err")
    assert (clean.passed, dirty.passed, idle.passed) == (True, False, False)
    table = render([clean, dirty, idle], seed=1, seconds=90)
    lines = table.splitlines()
    assert lines[0].startswith("| scenario")
    assert "API 5xx" in lines[0]
    assert lines[2].startswith("| kill-sync ")
    assert "1,234" in lines[2]
    assert [line.rstrip()[-6:] for line in lines[2:5]] == ["PASS |", "FAIL |", "FAIL |"]
    assert "3 scenario(s), 2 FAIL" in table
    assert "FAIL secret `hs_token` found in logs/001-sync.err" in table


# -- secrets ------------------------------------------------------------------------------------------------------


def test_the_secret_book_finds_secrets_and_key_lines_but_names_only_their_label(tmp_path: Path) -> None:
    book = SecretBook()
    book.add(hs_token="pat-na1-0123456789abcdef", short="abc")
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 1
    book.add_pem(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "logs" / "001-sync.err").write_text("error: token pat-na1-0123456789abcdef refused")
    (tmp_path / "logs" / "002-sync.out").write_text(f"key {body[:30]}... and abc")
    (tmp_path / "sandbox" / "credentials.json").write_text("pat-na1-0123456789abcdef")
    (tmp_path / "store-dump.txt").write_text(f"sync_run\t{body}")
    hits = book.scan(scanned_files(tmp_path))
    assert sorted((Path(h.where).name, h.label) for h in hits) == [("001-sync.err", "hs_token"),
                                                                     ("store-dump.txt", "private_key")]  # fmt: skip
    assert all("pat-na1" not in h.label for h in hits)


# -- config fuzz --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "out", "err", "problem"),
    [
        (0, "f.yaml: valid (2 connection(s); jobs: x)", "", None),
        (2, "", "f.yaml:3:5: jobs[0].name: missing\n1 error(s) in f.yaml", None),
        (2, "", "f.yaml:2:1: not valid YAML: found a tab", None),
        (2, "", "f.yaml:3:7: jobs[0].fields.\x1d5j: Input should be a valid string", None),
        (2, "", "error: something without a place", "an unlocated error line"),
        (2, "", "f.yaml:99:1: too far", "a location outside the file"),
        (1, "", "Traceback (most recent call last)\nTypeError: boom", "a traceback"),
        (1, "", "error: boom", "exit 1"),
    ],
)
def test_a_validation_passes_only_when_valid_or_located(code: int, out: str, err: str, problem: str | None) -> None:
    found = check_output("f.yaml", code, out, err, "a: 1\nb: 2\nc: 3\n")
    assert found == problem if problem is None else (found or "").startswith(problem)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(config_texts())
def test_fuzzed_config_texts_are_text_a_yaml_file_can_hold(value: str) -> None:
    assert isinstance(value, str)


# -- the API probes -----------------------------------------------------------------------------------------------


def test_the_auth_matrix_expects_401_403_or_success_by_role_and_session() -> None:
    routes = {(r.method, r.path): r for r in ROUTES}
    viewer, admin = Caller("viewer", "viewer"), Caller("admin", "admin")
    anonymous = Caller("anonymous", None, authenticated=False)
    cookie = Caller("cookie", "operator", cookies={"accountsync_session": "t"})
    cookie_csrf = Caller("cookie+csrf", "operator", {"X-Requested-With": "x"}, {"accountsync_session": "t"})
    create_run = routes[("POST", "/api/jobs/{job}/runs")]
    assert expected_status(routes[("GET", "/healthz")], anonymous) == "ok"
    assert expected_status(routes[("GET", "/api/runs")], anonymous) == "401"
    assert expected_status(create_run, viewer) == "403"
    assert expected_status(create_run, admin) == "ok"
    assert expected_status(create_run, cookie) == "403"
    assert expected_status(create_run, cookie_csrf) == "ok"
    assert expected_status(routes[("GET", "/api/tokens")], cookie) == "403"
    assert expected_status(routes[("GET", "/api/accounts")], cookie) == "ok"


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([], 99)) == (50.0, 99.0, 0.0)


def test_the_product_never_imports_the_suite() -> None:
    for package in ("config", "connectors", "scoring", "sync", "accountsync", "sandbox"):
        for file in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])  # fmt: skip
                assert not [n for n in names if n.split(".")[0] == "chaos"], f"{file} imports chaos"


# -- product bugs the suite found and that are fixed here (sync/) -------------------------------------------------


def _deployment(tmp_path: Path) -> Any:
    path = tmp_path / "accountsync.yaml"
    path.write_text(json.dumps({"version": 1, "connections": {"hubspot": {"type": "hubspot", "token": "${TOKEN}"}},
                                "jobs": [{"name": "chaos", "sources": [{"connection": "hubspot",
                                                                        "objects": ["companies"]}]}]}))  # fmt: skip
    return load_deployment(path, {"TOKEN": "pat-na1-not-a-real-token"})


def test_a_store_that_fails_mid_run_is_a_store_error_and_the_run_is_closed(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)

    def store_lost(*_: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("terminating connection due to administrator command"))

    with pytest.raises(StoreError, match="terminating connection due to administrator command"):
        run_sync(_deployment(tmp_path), "chaos", engine=engine, factory=store_lost)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM sync_run")).scalar_one() == "failed"
    engine.dispose()


def test_an_unreachable_store_is_a_store_error_not_a_traceback(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path}/store.db")
    (tmp_path / "store.db").mkdir()  # a directory where the file should be: SQLite cannot open it
    with pytest.raises(StoreError, match="cannot reach the store"):
        ensure_current(engine)
    engine.dispose()


def test_a_name_with_nul_is_stored_without_it() -> None:
    ctx = NormaliseContext("hubspot", "hubspot", 1, T, {})
    row = hubspot_company({"hs_object_id": "1", "name": "Zo\u00eb\x00 Ltd", "hs_lastmodifieddate": "1"}, ctx)
    assert row["name"] == "Zo\u00eb Ltd"
    assert "\x00" not in row["raw"]["name"]


def test_a_website_longer_than_a_dns_name_has_no_domain() -> None:
    assert normalise_domain("https://www." + "sub-" * 80 + "example.com/path") is None
    assert normalise_domain("https://www.example.com/path") == "example.com"


@pytest.mark.parametrize("run_id", [2**31, 3_041_449_915, 2**62])
def test_a_run_id_past_the_key_range_is_no_run_not_a_server_error(database_url: str, run_id: int) -> None:
    engine = build_engine(database_url)
    upgrade(engine)
    assert get_run(engine, run_id) is None
    with pytest.raises(RunNotFound):
        cancel(engine, run_id)
    engine.dispose()


# -- config loader bugs the suite found (fixed; kept as regression tests) ----------------------------------------


@pytest.mark.parametrize("character", ["\x0b", "\x00", "\x94"])
def test_a_config_file_with_a_control_character_is_a_located_error(tmp_path: Path, character: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"version: 1\nconnections:{character}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_deployment(path, {})
    assert getattr(caught.value, "line", None) == 2


def test_a_config_file_with_a_complex_key_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\n? [a, b]\n: c\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c\.yaml:2:\d+"):
        load_deployment(path, {})


def test_a_config_file_with_a_recursive_alias_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\nconnections: &a [*a]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c\.yaml:2:\d+"):
        load_deployment(path, {})


# -- product bugs the suite found in the connectors (fixed; kept as regression tests) ----------------------------


def test_a_hubspot_record_without_an_id_is_skipped_not_a_crash(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from chaos.tap import tapped_halves
    from config.models import HubSpotConnection
    from connectors import Window
    from connectors.hubspot import connect
    from sandbox.runtime import SandboxConfig
    from sandbox.server import Sandbox
    from sandbox.world import WorldSpec

    def drop_last_id(crm: str, path: str, body: Any) -> Any:
        results = body.get("results") if isinstance(body, dict) else None
        if crm != "hubspot" or not path.endswith("/companies") or not results:
            return None
        results[-1].pop("id", None)
        results[-1].get("properties", {}).pop("hs_object_id", None)
        return body

    state = TapState(corrupt=drop_last_id)
    world = WorldSpec(seed=3, accounts=40, now=datetime(2026, 11, 1, tzinfo=UTC))
    with Sandbox(SandboxConfig(world=world), halves=tapped_halves(state)) as sb:
        sb.admin("set_limits", "hubspot", enabled=False)
        conn = HubSpotConnection(type="hubspot", base_url=sb.hs_url, token=SecretStr(sb.credentials.hs_token),
                                 ca_bundle=sb.ca_path)  # fmt: skip
        connector = connect("hubspot", conn, throttle=False)
        try:
            (spec,) = connector.streams(["companies"])
            pages = list(connector.read(spec, Window(None, datetime.now(UTC))))
        finally:
            connector.close()
    assert any(s.record_id is None for page in pages for s in page.skipped)


def test_the_salesforce_account_stream_reads_every_field_the_store_fills() -> None:
    from connectors.salesforce.streams import stream_def

    fields = set(stream_def("Account").fields) | set(stream_def("Account").optional)
    assert {"CreatedDate", "HubSpot_Company_Id__c"} <= fields
