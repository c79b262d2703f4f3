"""Bench helper: score from the store end to end, each store's timed part in a child process of its own.

The portfolio is bulk-loaded into a fresh store (`_store_load`, set-up, not timed); then a fresh child
process (`bench/scoring.py --phase e2e`) does what `accountsync score` does, phase by phase: read the store
into frames, score, store the run and one score row per account. The child's peak RSS (VmHWM) is what
scoring from the store costs, not the parent's own frames. The stored scores are then compared with scoring
the same frames in memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from _store_load import bench_deployment, deployment_with, load, store_shaped
from _stores import stores
from sqlalchemy import Engine, text

from scoring import ScoringInputs, ScoringResult, score_portfolio
from sync import build_engine, upgrade
from sync.scores.scoring import load_scoring, params_from_config, store_result

AS_OF = date(2026, 6, 30)
WALLET_RATIOS = {"Manufacturing": 0.02, "Software": 0.05, "Retail": 0.01}
STAGE_PROBABILITIES = {"Prospecting": 0.1, "Qualification": 0.2, "Proposal": 0.5, "Negotiation": 0.8}
TARGET_SECONDS = 60.0
TARGET_RSS_MIB = 8 * 1024
BENCH = Path(__file__).resolve().with_name("scoring.py")


@dataclass(frozen=True)
class EndToEnd:
    """One store's run: rows loaded, set-up seconds, the timed phases, the child's peak RSS, the stored run."""

    counts: dict[str, int]
    load_seconds: float
    phases: dict[str, float]
    peak_rss_mib: float
    reader_rss_mib: float
    run_id: int


def vm_hwm_mib() -> float:
    """This process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(url: str, rates: dict[str, str], as_of: date) -> dict[str, Any]:
    """The timed part, in the child: read the store, score, store the result (`sync.scores.scoring.score_store`)."""
    engine = build_engine(url)
    try:
        started = time.perf_counter()
        frames, params, previous = load_scoring(engine, deployment_with(rates, WALLET_RATIOS))
        read = time.perf_counter()
        result = score_portfolio(frames, as_of=as_of, params=params, previous=previous)
        scored = time.perf_counter()
        run_id = store_result(engine, result)
        stored = time.perf_counter()
    finally:
        engine.dispose()
    phases = {"read": read - started, "score": scored - read, "store": stored - scored, "total": stored - started}
    # SQLite's reader is a process of its own (sync/store/sqlite_read.py): its peak is counted beside the child's.
    reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"phases": phases, "peak_rss_mib": vm_hwm_mib(), "reader_rss_mib": reader, "run_id": run_id}


def measure_in_child(url: str, rates: dict[str, str], as_of: date) -> dict[str, Any]:
    """`measure` in a fresh `bench/scoring.py --phase e2e` process; its last stdout line is the JSON result."""
    argv = [sys.executable, "-P", str(BENCH), "--phase", "e2e", "--store", url, "--rates", json.dumps(rates),
            "--as-of", as_of.isoformat()]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the end-to-end child failed on {url.split('?')[0]}:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def end_to_end(url: str, inputs: ScoringInputs, *, as_of: date = AS_OF) -> EndToEnd:
    """Load `inputs` (store-shaped) into the empty store at `url`, then time what `accountsync score` does."""
    engine = build_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        counts = load(engine, inputs, STAGE_PROBABILITIES)
        loaded = time.perf_counter()
    finally:
        engine.dispose()
    rates = {str(c): str(r) for c, r in inputs.rates.iter_rows()}
    child = measure_in_child(url, rates, as_of)
    engine = build_engine(url)
    try:
        counts["account_score"] = stored_scores(engine, child["run_id"]).height
    finally:
        engine.dispose()
    return EndToEnd(counts, loaded - started, child["phases"], child["peak_rss_mib"], child["reader_rss_mib"],
                    child["run_id"])  # fmt: skip


def stored_scores(engine: Engine, run_id: int) -> pl.DataFrame:
    """A run's stored score rows: key, rank, score, tier."""
    query = text("SELECT account_key, rank, score, tier FROM account_score WHERE scoring_run_id = :run")
    with engine.connect() as conn:
        rows = conn.execute(query, {"run": run_id}).all()
    schema = {"key": pl.String, "rank": pl.Int64, "score": pl.Float64, "tier": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def score_differences(url: str, run_id: int, expected: ScoringResult) -> list[str]:
    """How the stored run differs from `expected` (the same frames scored in memory): keys, ranks, tiers, scores."""
    engine = build_engine(url)
    try:
        stored = stored_scores(engine, run_id)
    finally:
        engine.dispose()
    want = expected.accounts.select("key", pl.col("rank").cast(pl.Int64), "score", "tier")
    both = want.join(stored, on="key", how="full", suffix="_stored", nulls_equal=True)
    close = (pl.col("score") - pl.col("score_stored")).abs() <= 1e-9 * pl.col("score").abs().clip(1.0)
    differ = both.filter(
        pl.col("key").is_null() | pl.col("key_stored").is_null() | pl.col("rank").ne_missing(pl.col("rank_stored"))
        | pl.col("tier").ne_missing(pl.col("tier_stored")) | ~close.fill_null(pl.col("score").is_null())
    )  # fmt: skip
    return [str(row) for row in differ.head(5).iter_rows(named=True)] + (
        [f"... {differ.height:,} rows differ"] if differ.height else []
    )


def report_end_to_end(store: str, run: EndToEnd, problems: list[str]) -> None:
    c, p = run.counts, run.phases
    print(
        f"end to end, {store}: loaded {c['account']:,} accounts, {c['opportunity']:,} opportunities, "
        f"{c['product_line']:,} product lines, {c['stage_history']:,} stage rows, {c['usage']:,} usage rows "
        f"in {run.load_seconds:.1f} s (set-up, not timed)"
    )
    verdict = "met" if p["total"] <= TARGET_SECONDS else "MISSED"
    print(
        f"  read {p['read']:6.2f} s   score {p['score']:6.2f} s   store {p['store']:6.2f} s   "
        f"total {p['total']:6.2f} s (target <= {TARGET_SECONDS:.0f} s: {verdict})"
    )
    both = run.peak_rss_mib + run.reader_rss_mib  # at most this at once
    reader = f", + {run.reader_rss_mib:,.0f} MiB for its SQLite reader process" if run.reader_rss_mib else ""
    rss = "met" if both <= TARGET_RSS_MIB else "MISSED"
    same = "stored scores equal scoring in memory" if not problems else "STORED SCORES DIFFER"
    print(
        f"  stored run {run.run_id}: {c['account_score']:,} account_score rows; peak RSS of read+score+store "
        f"{run.peak_rss_mib:,.0f} MiB in a process of its own{reader} (target <= {TARGET_RSS_MIB:,} MiB: {rss}); "
        f"{same}",
        flush=True,
    )
    for problem in problems:
        print(f"    {problem}")


def run_stores(names: list[str], inputs: ScoringInputs) -> bool:
    """The end-to-end runs; False when a store's scores differ from scoring the same frames in memory."""
    shaped = store_shaped(inputs)
    deployment = bench_deployment(shaped, WALLET_RATIOS)
    params = params_from_config(deployment.scoring, deployment.currency.corporate, STAGE_PROBABILITIES)
    expected = score_portfolio(shaped, as_of=AS_OF, params=params)
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as folder, stores(names, Path(folder)) as urls:
        for store, url in urls.items():
            run = end_to_end(url, shaped)
            problems = score_differences(url, run.run_id, expected)
            report_end_to_end(store, run, problems)
            ok = ok and not problems
    return ok
