"""A job's run through the CLI against the sandbox: reading commands store nothing; a write-back's per-field
counts are what the CRMs received (the write tap); a new field, a resync before provisioning and a fresh store
against values already in the CRM cost no wasted call and no false "rep-owned"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import col, select
from typer.testing import CliRunner

from accountsync.cli import app
from sandbox.faults import FaultRule
from sync import (
    AccountScore,
    ScoringRun,
    SyncRun,
    WritebackLedger,
    WritebackRejection,
    build_engine,
    session,
    upgrade,
)
from sync.access.tokens import create_token
from tests.sync.conftest_writeback import JOB, REPO, SF_FIELDS, WbEnv, free_port

CONNECTION = {"salesforce": "sf", "hubspot": "hs"}
STORED = (ScoringRun, AccountScore, SyncRun, WritebackLedger, WritebackRejection)


def _counts(engine: Engine) -> dict[str, int]:
    with session(engine) as s:
        return {table.__name__: int(s.exec(select(func.count()).select_from(table)).one()) for table in STORED}


def _run(wb: WbEnv, *args: str) -> str:
    result = wb.run_cli(*args, "-c", str(wb.config))
    assert result.exit_code == 0, result.output
    return result.output


def _last_run(engine: Engine) -> SyncRun:
    with session(engine) as s:
        run = s.exec(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(1)).first()
    assert run is not None
    return run


def _received(wb: WbEnv, since_call: int = 0) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """Per (connection, field): values the CRMs accepted and refused, as the write tap saw the calls."""
    sent: Counter[tuple[str, str]] = Counter()
    refused: Counter[tuple[str, str]] = Counter()
    for write in wb.tap.writes:
        if write.call <= since_call:
            continue
        for record_id, values in write.values.items():
            into = sent if record_id in write.landed else refused
            into.update((CONNECTION[write.crm], name) for name in values)
    return sent, refused


def _reported(run: SyncRun, what: str) -> Counter[tuple[str, str]]:
    """Per (connection, field): the run's own count of `what` (its write-back step)."""
    step = next(s for s in run.steps or [] if s["name"] == "writeback")
    return Counter({(t["connection"], name): f[what] for t in step["counts"]["targets"]
                    for name, f in t["fields"].items() if f[what]})  # fmt: skip


def test_score_kpis_account_and_a_dry_run_store_nothing_and_write_nothing(make_wb, database_url) -> None:
    wb = make_wb(database_url, accounts=40)
    _run(wb, "run", JOB)
    before, calls = _counts(wb.engine), wb.tap.calls
    key = min(k for k in wb.keys() if k.startswith("sf:"))  # noqa: SIM118 - WbEnv.keys(), not a dict
    reads = (["score"], ["score", "--format", "json"], ["kpis"], ["kpis", "--by", "industry"], ["account", key],
             ["writeback", JOB, "--dry-run"], ["writeback", JOB, "--dry-run", "--json"])  # fmt: skip
    for args in reads:
        _run(wb, *args)
    assert _counts(wb.engine) == before
    assert wb.tap.calls == calls  # no write call reached either CRM
    assert before["ScoringRun"] == 1  # the job's own run stored the one scoring run there is


def test_a_rerun_over_unchanged_crms_stores_the_same_scores_and_no_change(make_wb, database_url) -> None:
    """People pulled, so coverage is blended into every score: a second job run with nothing changed in the
    CRMs stores each account's score as the first did, and 'what changed' is empty for all of them (it was
    told from the score before the blend: 'score +1 since ...' on most accounts)."""
    people = ("Account", "Opportunity", "Contact", "AccountContactRelation", "OpportunityContactRole")
    wb = make_wb(database_url, accounts=40, sf_objects=people)
    _run(wb, "run", JOB)
    _run(wb, "run", JOB)
    with session(wb.engine) as s:
        first, second = (
            {r.account_key: r for r in s.exec(select(AccountScore).where(AccountScore.scoring_run_id == run))}
            for run in s.exec(select(ScoringRun.id).order_by(col(ScoringRun.id))).all()
        )
    covered = [k for k, r in second.items() if (r.figures or {}).get("coverage_component") is not None]
    assert len(covered) > len(second) // 2  # the blend applies to most accounts
    assert {k: r.score for k, r in second.items()} == {k: r.score for k, r in first.items()}
    assert {k: r.change_reason for k, r in second.items() if r.change_reason} == {}
    shown = _run(wb, "account", covered[0])
    assert "since" not in shown


def test_the_account_command_with_one_crm_refusing_shows_the_rest_and_says_which(make_wb, database_url) -> None:
    """`accountsync account KEY` (a real process) while HubSpot answers 401 to every call: the stored score and
    Salesforce's fields are shown, one line names HubSpot's error, exit 1, and no traceback (it was one: a
    CRM's error escaped the command)."""
    wb = make_wb(database_url, accounts=30)
    _run(wb, "run", JOB)
    held = {conn: {r.account_key for r in wb.live(conn)} for conn in ("sf", "hs")}
    key = min(held["sf"] & held["hs"])
    wb.sb.faults.add([FaultRule(crm="hubspot", kind="status", code=401)])
    proc = wb.cli("account", key, "-c", str(wb.config))
    stdout, stderr = (stream.decode() for stream in proc.communicate(timeout=120))
    assert proc.returncode == 1, stderr
    assert key in stdout
    assert "as a rep sees it in sf (Account" in stdout
    assert "as a rep sees it in hs" not in stdout
    [line] = [text for text in stderr.splitlines() if text.startswith("error:")]
    assert line.startswith("error: could not read the fields back: hs: ")
    assert "Traceback" not in stderr


def test_a_write_back_runs_per_field_counts_are_what_the_crms_received(make_wb, database_url) -> None:
    wb = make_wb(database_url, accounts=60)
    wb.pull()
    refused_ids = sorted(r.source_id for r in wb.live("sf"))[:3]
    wb.sb.admin("reject_writes", "salesforce", object="Account", ids=refused_ids,
                code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Rating must be set first")  # fmt: skip
    _run(wb, "run", JOB)
    first = _last_run(wb.engine)
    assert first.kind == "job"
    sent, refused = _received(wb)
    assert sum(sent.values()) > 0
    assert _reported(first, "sent") == sent
    assert _reported(first, "rejected") == refused
    assert set(refused.values()) == {3}  # each refused record's values (health is empty where unknown)
    assert {name for _, name in refused} >= {SF_FIELDS[f] for f in ("score", "tier", "rank", "reasons")}
    shown = wb.run_cli("runs", "show", str(first.id)).output
    assert "step writeback: partial" in shown
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in shown
    sf_score = sent[("sf", SF_FIELDS["score"])]
    assert any(line.split()[:2] == [SF_FIELDS["score"], f"{sf_score:,}"] for line in _table_rows(shown)), shown

    # The next run with nothing changed in the CRMs sends only the refused values again, and counts the rest
    # as unchanged.
    wb.sb.admin("stop_rejecting", "salesforce", object="Account")
    calls = wb.tap.calls
    _run(wb, "run", JOB)
    second = _last_run(wb.engine)
    again, _ = _received(wb, since_call=calls)
    assert _reported(second, "sent") == again
    assert again == refused
    assert sum(_reported(second, "unchanged").values()) >= sum(sent.values())


def _table_rows(text: str) -> list[str]:
    """The rows of rich tables in `text`, cell separators removed."""
    return [" ".join(line.replace("│", " ").replace("┃", " ").split()) for line in text.splitlines() if "│" in line]


def test_a_new_field_is_written_only_where_there_is_a_value(make_wb, database_url) -> None:
    wb = make_wb(database_url, accounts=40)
    _run(wb, "run", JOB)
    field = "AccountSync_Change__c"
    text = wb.config.read_text().replace(
        "        fields: {score: AccountSync_Score__c,",
        f"        fields: {{change_reason: {field}, score: AccountSync_Score__c,",
    )
    wb.config.write_text(text)
    calls = wb.tap.calls
    _run(wb, "run", JOB)
    nulls = [rid for w in wb.tap.writes if w.call > calls for rid, values in w.values.items()
             if field in values and values[field] is None]  # fmt: skip
    assert nulls == []
    run = _last_run(wb.engine)
    counts = next(t for t in _step(run)["targets"] if t["connection"] == "sf")["fields"][field]
    assert counts["no_value"] + counts["planned"] == len(wb.live("sf"))
    assert counts["no_value"] > 0


def _step(run: SyncRun, name: str = "writeback") -> dict[str, Any]:
    counts: dict[str, Any] = next(s for s in run.steps or [] if s["name"] == name)["counts"]
    return counts


def test_an_account_resync_before_the_fields_exist_is_not_partial(make_wb, database_url) -> None:
    wb = make_wb(database_url, accounts=30)
    wb.pull()  # pulls only: the write-back fields are not provisioned yet
    key = min(k for k in wb.keys() if k.startswith("sf:"))  # noqa: SIM118 - WbEnv.keys(), not a dict
    _run(wb, "sync", JOB, "--account", key)
    run = _last_run(wb.engine)
    assert (run.kind, run.status, run.params["account"]) == ("account", "succeeded", key)


def test_a_fresh_store_adopts_the_values_the_crm_already_holds(make_wb, database_url, tmp_path) -> None:
    wb = make_wb(database_url, accounts=40)
    _run(wb, "run", JOB)
    written = sum(_reported(_last_run(wb.engine), "sent").values())
    fresh_url = f"sqlite:///{tmp_path}/fresh.db"
    fresh = build_engine(fresh_url)
    upgrade(fresh)
    calls = wb.tap.calls
    env = wb.cli_env() | {"DATABASE_URL": fresh_url}
    done = CliRunner().invoke(app, ["run", JOB, "-c", str(wb.config)], env=env)
    assert done.exit_code == 0, done.output
    run = _last_run(fresh)
    targets = _step(run)["targets"]
    assert sum(t["skipped_rep_owned"] for t in targets) == 0
    assert sum(f["adopted"] for t in targets for f in t["fields"].values()) == written
    assert wb.tap.calls == calls  # nothing to send: the CRMs already hold every value
    fresh.dispose()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def test_the_dashboards_run_page_shows_each_step_and_the_per_field_write_back(make_wb, sqlite_url, tmp_path) -> None:
    from playwright.sync_api import expect, sync_playwright

    wb = make_wb(sqlite_url, accounts=40)
    _run(wb, "run", JOB)
    run = _last_run(wb.engine)
    sent, _ = _received(wb)
    token = create_token(wb.engine, name="revops", role="viewer")
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "accountsync", "serve", "-c", str(wb.config), "--port", str(port),
               "--no-scheduler", "--workers", "0"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env={**os.environ, **wb.cli_env()}, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/login")
            page.fill("#token", token)
            page.click("#sign-in")
            page.goto(f"{base}/runs/{run.id}")
            expect(page.locator("#run-status")).to_have_text("succeeded")
            steps = page.locator("#steps tbody tr")
            expect(steps).to_have_count(4)
            expect(page.locator('#steps tr[data-step="writeback"] .status')).to_have_text("succeeded")
            for (connection, name), n in sent.items():
                cell = page.locator(f'.writeback-target[data-connection="{connection}"] tr[data-field="{name}"] .sent')
                expect(cell).to_have_text(f"{n:,}")  # counts thousands-separated, as everywhere
            expect(page.locator("#run-written")).to_have_text(f"{sum(sent.values()):,} values")
            expect(page.locator("#run-read")).to_have_text(f"{run.counts['read']:,}")
            for stream, progress in run.progress.items():
                expect(page.locator(f'#streams tr[data-stream="{stream}"] .read')).to_have_text(f"{progress['read']:,}")
            page.screenshot(path=str(tmp_path / "run-writeback.png"), full_page=True)
            # The runs list says what the pull stored, under that name: "Written" there read as the write-back.
            page.goto(f"{base}/runs")
            expect(page.locator("#runs thead th")).to_contain_text(["Read", "Stored"])
            expect(page.locator("#runs thead th", has_text="Written")).to_have_count(0)
            row = page.locator(f'#runs tr[data-run="{run.id}"]')
            expect(row.locator('[data-field="stored"]')).to_have_text(
                f"{run.counts['inserted'] + run.counts['updated']:,}"
            )
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert (tmp_path / "run-writeback.png").stat().st_size > 0


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no /healthz in 60 s: {log.read_text()[-3000:]}")
