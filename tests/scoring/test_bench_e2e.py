"""The scoring bench's end-to-end run, tiny: scores stored from the store (by the bench's child process) equal
scoring the same frames in memory."""

from __future__ import annotations

import importlib.util
import math
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from polars.testing import assert_frame_equal
from sqlmodel import select

from scoring import PREVIOUS_SCORES, conform_frame, score_portfolio
from sync import AccountScore, build_engine, session
from sync.scores.scoring import NOT_FIGURES, params_from_config, previous_scores

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scoring.py"
ACCOUNTS, OPPORTUNITIES = 2_000, 10_000


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/scoring.py as a module (its file name would shadow the scoring package on the path)."""
    path = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_scoring", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while being defined
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    return module


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.isoformat() if isinstance(value, date) else value


def test_scores_stored_from_the_store_equal_scoring_the_same_frames_in_memory(bench: Any, database_url: str) -> None:
    inputs = bench.store_shaped(bench.make_inputs(ACCOUNTS, OPPORTUNITIES))
    deployment = bench.bench_deployment(inputs, bench.WALLET_RATIOS)
    params = params_from_config(deployment.scoring, deployment.currency.corporate, bench.STAGE_PROBABILITIES)
    expected = score_portfolio(inputs, as_of=bench.AS_OF, params=params)

    run = bench.end_to_end(database_url, inputs)

    assert run.counts["account"] == ACCOUNTS
    assert run.counts["opportunity"] == OPPORTUNITIES
    assert run.counts["account_score"] == ACCOUNTS
    assert bench.score_differences(database_url, run.run_id, expected) == []
    assert 0 < run.peak_rss_mib < 8 * 1024
    engine = build_engine(database_url)
    try:
        with session(engine) as s:
            stored = {r.account_key: r for r in s.exec(select(AccountScore)).all()}
        previous = previous_scores(engine)
    finally:
        engine.dispose()
    for row in expected.accounts.iter_rows(named=True):
        score = stored[row["key"]]
        assert score.figures == pytest.approx({c: _clean(v) for c, v in row.items() if c not in NOT_FIGURES})
        assert (score.rank, score.tier, score.reasons) == (row["rank"], row["tier"], row["reasons"])
    assert previous is not None
    want = conform_frame(PREVIOUS_SCORES, expected.previous_scores()).sort("key")
    assert_frame_equal(conform_frame(PREVIOUS_SCORES, previous).sort("key"), want, check_exact=False, rel_tol=1e-9)
