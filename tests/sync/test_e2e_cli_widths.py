"""The CLI's tables after a real job run, at 80 and 120 columns: no line wider than the terminal, figures as a person
reads them (rates as `58.3%`, money rounded with thousands separators and its currency, scores to one decimal),
no `None`, reasons cut on one line rather than wrapped a word per line; `--columns` chooses the columns.

The figures are checked against the same command's `--format json` / `--json` output (the raw values), formatted
here by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlmodel import col, select

from sync import SyncRun, session
from tests.shown import shown_score

from .conftest_writeback import JOB, REPO, WbEnv

WIDTHS = (80, 120)
SF_OBJECTS = ("Account", "Opportunity", "OpportunityHistory", "OpportunityStage", "OpportunityLineItem", "CurrencyType")
HS_OBJECTS = ("companies", "deals", "pipelines")


@pytest.fixture
def ran(make_wb, sqlite_url) -> WbEnv:
    """A store filled by one real job run (pull, score, write-back) against the sandbox."""
    wb = make_wb(sqlite_url, accounts=60, sf_objects=SF_OBJECTS, hs_objects=HS_OBJECTS)
    done = wb.run_cli("run", JOB, "-c", str(wb.config))
    assert done.exit_code == 0, done.output
    return wb


def _cli(wb: WbEnv, width: int, *args: str, config: bool = True) -> str:
    env = {**os.environ, **wb.cli_env(), "COLUMNS": str(width)}
    command = [sys.executable, "-m", "accountsync", *args, *(["-c", str(wb.config)] if config else [])]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _json(wb: WbEnv, *args: str) -> Any:
    done = wb.run_cli(*args, "-c", str(wb.config))
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def _fits(text: str, width: int) -> None:
    assert text.strip()
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert too_wide == [], f"{len(too_wide)} line(s) wider than {width}: {too_wide[:3]}"
    assert "None" not in text


def _pct(ratio: float) -> str:
    return f"{round(ratio * 100, 1):.1f}%"


def _money(value: float) -> str:
    return f"{round(value):,}"


def test_score_kpis_runs_show_and_account_fit_80_and_120_columns(ran: WbEnv) -> None:
    ranked = _json(ran, "score", "--top", "10", "--format", "json")
    portfolio = _json(ran, "kpis", "--format", "json")[0]
    segments = _json(ran, "kpis", "--by", "industry", "--format", "json")
    with session(ran.engine) as s:
        run_id = s.exec(select(SyncRun.id).order_by(col(SyncRun.id).desc())).first()
    key = ranked[0]["key"]
    assert portfolio["nrr"] is not None  # the world has revenue to format
    assert portfolio["arr"] > 0
    for width in WIDTHS:
        table = _cli(ran, width, "score", "--top", "10")
        _fits(table, width)
        for row in ranked:
            line = next(line for line in table.splitlines() if f" {row['rank']} │" in line[:8])
            assert shown_score(row["score"]) in line
            assert _money(row["arr"]) in line
            assert row["reasons"][0][:18] in line  # the reason on one line, cut at the end, not wrapped
        assert f"money in {portfolio['currency']}" in table

        kpis = _cli(ran, width, "kpis")
        _fits(kpis, width)
        assert _cells(kpis, "NRR") == ["NRR", _pct(portfolio["nrr"])]
        assert _cells(kpis, "GRR") == ["GRR", _pct(portfolio["grr"])]
        assert _cells(kpis, "ARR") == ["ARR", f"{_money(portfolio['arr'])} {portfolio['currency']}"]

        by_industry = _cli(ran, width, "kpis", "--by", "industry")
        _fits(by_industry, width)
        for segment in segments:
            if segment["industry"] is None or segment["customers"] == 0:
                continue
            line = _row(by_industry, segment["industry"])
            assert _money(segment["arr"]) in line
            if segment["nrr"] is not None:
                assert _pct(segment["nrr"]) in line

        shown = _cli(ran, width, "runs", "show", str(run_id), config=False)
        _fits(shown, width)
        assert f"run {run_id} job {JOB}" in shown
        assert "step writeback" in shown

        account = _cli(ran, width, "account", key)
        _fits(account, width)
        assert f"score {shown_score(ranked[0]['score'])}  rank {ranked[0]['rank']}" in account
        crm = _json(ran, "account", key, "--json")["crm"][0]["fields"]
        score_field = next(name for name in crm if "score" in name.lower())
        assert _row(account, score_field).split("│")[2].strip() == f"{float(crm[score_field]):.1f}"

    resynced = ran.run_cli("sync", JOB, "--account", key, "-c", str(ran.config))  # an account resync is listed
    assert resynced.exit_code == 0, resynced.output  # as kind `account`, with the account
    listed = _cli(ran, 120, "runs", config=False)
    _fits(listed, 120)
    row = next(line for line in listed.splitlines() if f" {key} " in line)
    assert " account " in row
    resync_id = row.strip("│ ").split("│")[0].strip()
    assert f"  account {key}" in _cli(ran, 80, "runs", "show", resync_id, config=False)


def _row(text: str, first: str) -> str:
    """The table line whose first cell is `first`, or `first` cut with an ellipsis."""
    for line in text.splitlines():
        cell = line.strip("│┃ ").split("│")[0].strip()
        if cell == first or (cell.endswith("…") and first.startswith(cell[:-1])):
            return line
    raise AssertionError(f"no row {first!r} in\n{text}")


def _cells(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"│ {label} "))
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


def test_columns_chooses_the_columns_and_an_unknown_one_is_named(ran: WbEnv) -> None:
    table = _cli(ran, 80, "score", "--top", "5", "--columns", "rank,key,arr")
    header = next(line for line in table.splitlines() if ("rank" in line and "│" in line) or "┃" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == ["rank", "key", "ARR"]
    bad = ran.run_cli("score", "--columns", "rank,wallet_size", "-c", str(ran.config))
    assert bad.exit_code == 2
    assert "wallet_size" in bad.output
    assert "headroom" in bad.output
