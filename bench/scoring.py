"""Benchmark of the scoring engine against DuckDB SQL on a synthetic portfolio, and of scoring from the store.

Run: .venv/bin/python -P bench/scoring.py [--accounts N] [--opportunities M] [--repeat R] [--stores S]

Times `score_portfolio` (everything) and `core_kpis` (ARR at T and at the window start, movement, win rates,
pipeline) against DuckDB computing the same core KPIs in SQL, prints ours/duckdb and peak RSS, and exits
non-zero when the two engines' figures differ by more than 1e-6 relative.

Then, per store (`--stores sqlite,postgresql`, `--stores none` to skip), end to end (bench/_e2e.py): the
same portfolio is loaded into a fresh store (an SQLite file in a temp dir, a PostgreSQL schema `bench_<pid>`
dropped at the end; bulk set-up, not timed), then a child process of its own does what `accountsync score`
does, timed phase by phase: read the store into frames, score, store the run and one score row per account.
Prints each phase, the total against the 60 s target, row counts and the child's peak RSS (VmHWM) against
8 GB, and exits non-zero when the stored scores differ from scoring the same frames in memory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# This file is itself named scoring.py: run as a script, its folder comes first on sys.path and would
# shadow the scoring package. Drop that folder before importing the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

import sync  # noqa: E402, F401  # before this folder joins the path: its sync.py would shadow the package
from scoring import (  # noqa: E402
    ACCOUNTS,
    OPPORTUNITIES,
    CoreKpis,
    FitRule,
    PipelineParams,
    ScoreParams,
    ScoringInputs,
    ScoringParams,
    ValueParams,
    Window,
    core_kpis,
    score_portfolio,
)

sys.path.append(str(_HERE))  # the helpers below; `scoring` and `sync` are imported already, nothing shadows them
from _e2e import (  # noqa: E402
    AS_OF,
    STAGE_PROBABILITIES,
    WALLET_RATIOS,
    end_to_end,
    measure,
    run_stores,
    score_differences,
)
from _store_load import bench_deployment, store_shaped  # noqa: E402

__all__ = ["bench_deployment", "end_to_end", "score_differences", "store_shaped"]  # the test uses these

SEED = 20260630
RELATIVE_TOLERANCE = 1e-6
TARGET_RATIO = 1.5
INDUSTRIES = ["Manufacturing", "Software", "Retail", "Healthcare", "Finance", "Energy", "Logistics", "Media"]
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"]
CURRENCIES = ["USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY", "XXX"]  # XXX has no rate on purpose
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation"]
PRODUCT_LINES = ["core", "analytics", "security", "integrations", None]
TYPES = ["new_business", "expansion", "renewal", "other"]
TERMS = [12, 12, 12, 24, 36, 6, 1]


def bench_params() -> ScoringParams:
    """Parameters that exercise every path: wallet ratios, ICP rules, stage probabilities."""
    return ScoringParams(
        value=ValueParams(wallet_ratio=WALLET_RATIOS),
        pipeline=PipelineParams(stage_probabilities=STAGE_PROBABILITIES),
        score=ScoreParams(
            fit_rules=(
                FitRule.industries({"Manufacturing", "Software"}, 40),
                FitRule.employee_band(200, 5000, 30),
                FitRule.countries({"US", "DE"}, 30),
            )
        ),
    )


# --- deterministic synthetic data: polars hashes of the row index stand in for a seeded RNG ---------------


def _uniform(salt: int) -> pl.Expr:
    """A deterministic pseudo-random float in [0, 1) per row."""
    return (pl.int_range(pl.len(), dtype=pl.UInt64).hash(SEED + salt) % 1_000_003).cast(pl.Float64) / 1_000_003


def _pick(options: list[Any], salt: int) -> pl.Expr:
    index = (_uniform(salt) * len(options)).floor().cast(pl.Int64)
    dtype = pl.Int64 if all(isinstance(o, int) for o in options) else pl.String
    return index.replace_strict(dict(enumerate(options)), return_dtype=dtype)


def _days_from(start: date, span_days: int, salt: int) -> pl.Expr:
    return pl.lit(start) + pl.duration(days=(_uniform(salt) * span_days).floor().cast(pl.Int64))


def make_accounts(n: int) -> pl.DataFrame:
    index = pl.int_range(pl.len()).cast(pl.String).str.zfill(8)
    revenue = (_uniform(3) * 1e9).round(0)
    frame = pl.select(pl.repeat(0, n).alias("_")).select(
        (pl.lit("A") + index).alias("key"),
        (pl.lit("Company ") + index).alias("name"),
        pl.lit(None, dtype=pl.String).alias("domain"),
        _pick(INDUSTRIES, 1).alias("industry"),
        (_uniform(2) * 20_000).floor().cast(pl.Int64).alias("employees"),
        revenue.alias("annual_revenue"),
        pl.lit(None, dtype=pl.String).alias("currency"),  # annual revenue already in the corporate currency
        _pick(COUNTRIES, 4).alias("country"),
        pl.when(_uniform(5) < 0.97)
        .then(pl.lit("rep") + (_uniform(6) * 500).floor().cast(pl.Int64).cast(pl.String))
        .alias("owner"),
        pl.lit(None, dtype=pl.String).alias("parent_key"),
        pl.when(_uniform(7) < 0.4).then((_uniform(8) * 2e6).round(0)).alias("wallet_estimate"),
        pl.lit(datetime(2019, 1, 1, tzinfo=UTC)).alias("created_at"),
    )
    return frame.cast(ACCOUNTS.schema)


def _opportunity_columns(accounts: int) -> list[pl.Expr]:
    u_closed, u_won = _uniform(13), _uniform(14)
    close = _days_from(date(2023, 1, 1), 1640, 15)
    return [
        (pl.lit("O") + pl.int_range(pl.len()).cast(pl.String).str.zfill(9)).alias("key"),
        (pl.lit("A") + (_uniform(11) * accounts).floor().cast(pl.Int64).cast(pl.String).str.zfill(8)).alias(
            "account_key"
        ),
        pl.when(_uniform(12) < 0.995).then((_uniform(16) * 100_000).round(2) + 100).alias("amount"),
        _pick(CURRENCIES, 17).alias("currency"),
        (u_closed < 0.6).alias("is_closed"),
        ((u_closed < 0.6) & (u_won < 0.55)).alias("is_won"),
        close.alias("close_date"),
        (close.cast(pl.Datetime("us")) - pl.duration(days=(_uniform(18) * 400).floor().cast(pl.Int64)))
        .dt.replace_time_zone("UTC")
        .alias("created_at"),
        _pick(TYPES, 19).alias("type"),
        _pick(PRODUCT_LINES, 20).alias("product_line"),
        (_uniform(21) < 0.9).alias("recurring"),
        pl.when(_uniform(22) < 0.9).then(_pick(TERMS, 23)).alias("term_months"),
        pl.when(_uniform(24) < 0.5).then(_days_from(date(2023, 1, 1), 1640, 25)).alias("start_date"),
        pl.when(_uniform(26) < 0.7).then((_uniform(27) * 100).round(0) / 100).alias("probability"),
        _pick(STAGES, 28).alias("_open_stage"),
    ]


def make_opportunities(n: int, accounts: int) -> pl.DataFrame:
    frame = pl.select(pl.repeat(0, n).alias("_")).select(_opportunity_columns(accounts))
    stage = (
        pl.when(pl.col("is_won"))
        .then(pl.lit("Closed Won"))
        .when(pl.col("is_closed"))
        .then(pl.lit("Closed Lost"))
        .otherwise(pl.col("_open_stage"))
    )
    return frame.with_columns(stage.alias("stage")).select(OPPORTUNITIES.schema.names())


def make_stage_history(opportunities: pl.DataFrame) -> pl.DataFrame:
    """Up to three rows an opportunity: Prospecting, a middle stage, then its current stage."""
    base = opportunities.select("key", "stage", "created_at", "close_date")
    rows = []
    for step, salt in ((0, 31), (1, 32), (2, 33)):
        keep = _uniform(salt) < (0.9 if step == 0 else 0.6)
        stage = pl.lit("Prospecting") if step == 0 else pl.col("stage") if step == 2 else _pick(STAGES[1:], 34)
        entered = pl.col("created_at") + pl.duration(days=step * 20 + (_uniform(35 + step) * 15).floor().cast(pl.Int64))
        rows.append(
            base.filter(keep).select(
                pl.col("key").alias("opportunity_key"), stage.alias("stage"), entered.alias("entered_at")
            )
        )
    return pl.concat(rows)


def make_usage(accounts: pl.DataFrame) -> pl.DataFrame:
    """Six months of usage for a third of the accounts."""
    users = accounts.filter(_uniform(41) < 0.33).select(pl.col("key").alias("account_key"))
    months = pl.DataFrame({"month": [date(2026, m, 1) for m in range(1, 7)]})
    seats = (_uniform(42) * 500).floor().cast(pl.Int64) + 1
    return users.join(months, how="cross").with_columns(
        (seats * _uniform(43)).floor().cast(pl.Int64).alias("active_users"), seats.alias("licensed_seats")
    )


def make_inputs(accounts: int, opportunities: int) -> ScoringInputs:
    account_frame = make_accounts(accounts)
    opportunity_frame = make_opportunities(opportunities, accounts)
    rates = pl.DataFrame({"currency": ["EUR", "GBP", "JPY"], "rate_to_corporate": [1.08, 1.27, 0.0067]})
    return ScoringInputs(
        accounts=account_frame,
        opportunities=opportunity_frame,
        rates=rates,
        stage_history=make_stage_history(opportunity_frame),
        usage=make_usage(account_frame),
    )


# --- the same core KPIs in DuckDB SQL ----------------------------------------------------------------------

CORE_SQL = """
WITH rates_all AS (
    SELECT currency, rate_to_corporate FROM rates
    UNION ALL SELECT $corporate, 1.0 WHERE NOT EXISTS (SELECT 1 FROM rates WHERE currency = $corporate)
),
opps AS (
    SELECT o.account_key, o.is_won, o.close_date,
        o.is_closed OR o.is_won AS closed,
        CASE WHEN isfinite(o.amount) AND o.amount >= 0 THEN o.amount * r.rate_to_corporate END AS amount,
        o.is_won AND coalesce(o.recurring, true) AND coalesce(o.term_months, 12) >= 1
            AND coalesce(o.start_date, o.close_date) IS NOT NULL AS contract,
        coalesce(o.start_date, o.close_date) AS start_date,
        coalesce(o.term_months, 12) AS term,
        greatest(least(coalesce(o.probability, sp.probability), 1.0), 0.0) AS probability
    FROM opportunities o
    SEMI JOIN accounts a ON a.key = o.account_key
    LEFT JOIN rates_all r ON r.currency = o.currency
    LEFT JOIN stage_probabilities sp ON sp.stage = o.stage
),
dated AS (
    SELECT *, CAST(start_date + to_months(CAST(term AS INTEGER)) AS DATE) AS end_date,
        amount * 12.0 / term AS acv,
        closed AND close_date BETWEEN $window_start AND $as_of AS closed_in_window
    FROM opps
),
per_account AS (
    SELECT account_key,
        coalesce(sum(acv) FILTER (contract AND start_date <= $window_start AND end_date > $window_start), 0) AS s,
        coalesce(sum(acv) FILTER (contract AND start_date <= $as_of AND end_date > $as_of), 0) AS e,
        count(*) FILTER (closed_in_window AND is_won) AS won,
        count(*) FILTER (closed_in_window AND NOT is_won) AS lost,
        coalesce(sum(amount) FILTER (closed_in_window AND is_won), 0) AS won_amount,
        coalesce(sum(amount) FILTER (closed_in_window AND NOT is_won), 0) AS lost_amount,
        coalesce(sum(amount) FILTER (NOT closed), 0) AS open_pipeline,
        coalesce(sum(amount * coalesce(probability, 0)) FILTER (NOT closed), 0) AS weighted_pipeline
    FROM dated GROUP BY account_key
)
SELECT
    sum(e) AS arr,
    sum(s) FILTER (s > 0) AS arr_at_start,
    coalesce(sum(e) FILTER (s = 0 AND e > 0), 0) AS new,
    coalesce(sum(e - s) FILTER (s > 0 AND e > s), 0) AS expansion,
    coalesce(sum(s - e) FILTER (e > 0 AND e < s), 0) AS contraction,
    coalesce(sum(s) FILTER (s > 0 AND e = 0), 0) AS churn,
    sum(won) AS won, sum(lost) AS lost, sum(won_amount) AS won_amount, sum(lost_amount) AS lost_amount,
    sum(open_pipeline) AS open_pipeline, sum(weighted_pipeline) AS weighted_pipeline
FROM per_account
"""


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def duckdb_core(connection: duckdb.DuckDBPyConnection, params: ScoringParams) -> CoreKpis:
    window = Window.ending(AS_OF, params.window_months)
    values = {"corporate": params.currency, "window_start": window.start, "as_of": window.end}
    row = connection.execute(CORE_SQL, values).fetchone()
    assert row is not None
    arr, start, new, expansion, contraction, churn, won, lost, won_amount, lost_amount, open_, weighted = row
    start = start or 0.0
    lost_revenue = churn + contraction
    return CoreKpis(
        arr=arr or 0.0,
        arr_at_start=start,
        new=new,
        expansion=expansion,
        contraction=contraction,
        churn=churn,
        grr=_ratio(start - lost_revenue, start),
        nrr=_ratio(start - lost_revenue + expansion, start),
        win_rate_count=_ratio(won, won + lost),
        win_rate_amount=_ratio(won_amount, won_amount + lost_amount),
        open_pipeline=open_,
        weighted_pipeline=weighted,
    )


def duckdb_connection(inputs: ScoringInputs) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("accounts", inputs.accounts.to_arrow())
    connection.register("opportunities", inputs.opportunities.to_arrow())
    connection.register("rates", inputs.rates.to_arrow())
    probabilities = pl.DataFrame(
        {"stage": list(STAGE_PROBABILITIES), "probability": list(STAGE_PROBABILITIES.values())}
    )
    connection.register("stage_probabilities", probabilities.to_arrow())
    return connection


# --- timing and comparison ---------------------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best wall-clock seconds, best CPU seconds (all threads of this process) and the last result."""
    best_wall, best_cpu, result = math.inf, math.inf, None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def differences(ours: CoreKpis, theirs: CoreKpis) -> list[str]:
    problems = []
    for name, mine in asdict(ours).items():
        other = getattr(theirs, name)
        if mine is None or other is None:
            if mine is not other:
                problems.append(f"{name}: ours {mine} vs duckdb {other}")
        elif not math.isclose(mine, other, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9):
            problems.append(f"{name}: ours {mine!r} vs duckdb {other!r}")
    return problems


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def report(timings: dict[str, tuple[float, float]], warnings: int, repeat: int) -> None:
    (full_wall, full_cpu), (core_wall, core_cpu), (sql_wall, sql_cpu) = timings.values()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (best of {repeat} runs)")
    print(f"score_portfolio (everything): {full_wall:6.2f} s wall {full_cpu:6.2f} s CPU, {warnings:,} warnings")
    print(f"core KPIs, ours (polars):     {core_wall:6.2f} s wall {core_cpu:6.2f} s CPU")
    print(f"core KPIs, DuckDB SQL:        {sql_wall:6.2f} s wall {sql_cpu:6.2f} s CPU")
    ratio, cpu_ratio = core_wall / sql_wall, core_cpu / sql_cpu
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"ratio ours/duckdb (core):     {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= {TARGET_RATIO}x: {verdict})"
    )
    print(f"ratio score_portfolio/duckdb: {full_wall / sql_wall:.2f}x wall")
    print(f"peak RSS:                     {peak_rss_mib():,.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--opportunities", "--opps", dest="opps", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgresql", help="stores to score from end to end, or none")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # the end-to-end child: --store URL --rates JSON
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--rates", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default=AS_OF.isoformat(), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "e2e":
        print(json.dumps(measure(args.store, json.loads(args.rates), date.fromisoformat(args.as_of))))
        return 0
    params = bench_params()

    started = time.perf_counter()
    inputs = make_inputs(args.accounts, args.opps)
    print(
        f"data: {args.accounts:,} accounts, {args.opps:,} opportunities, {inputs.stage_history.height:,} "
        f"stage rows, {inputs.usage.height:,} usage rows ({time.perf_counter() - started:.1f} s to generate)"
    )
    connection = duckdb_connection(inputs)
    *full, result = best_of(args.repeat, lambda: score_portfolio(inputs, as_of=AS_OF, params=params))
    *core, ours = best_of(args.repeat, lambda: core_kpis(inputs, as_of=AS_OF, params=params))
    *sql, theirs = best_of(args.repeat, lambda: duckdb_core(connection, params))
    connection.close()
    report({"full": tuple(full), "core": tuple(core), "sql": tuple(sql)}, result.warnings.height, args.repeat)
    for name, value in asdict(ours).items():
        print(f"  {name:18} ours {value!s:>24}   duckdb {getattr(theirs, name)!s:>24}")
    problems = differences(ours, theirs)
    if problems:
        print("FIGURES DIFFER:\n  " + "\n  ".join(problems))
    else:
        print(f"figures equal to {RELATIVE_TOLERANCE:g} relative")
    del result
    names = [name for name in args.stores.split(",") if name and name != "none"]
    stored_ok = run_stores(names, inputs) if names else True
    print(f"peak RSS of the whole run:    {peak_rss_mib():,.0f} MiB")
    return 0 if stored_ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
