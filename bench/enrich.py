"""Benchmark of an enrichment load: 1,000,000 monthly usage rows (100,000 accounts x 10 months) from Parquet.

Run: .venv/bin/python bench/enrich.py [--accounts N] [--months M] [--store URL] [--batch-rows B]

A child process writes the Parquet file and a store holding the matching accounts (so their memory is not
counted here); this process then loads the file through `run_enrichment` (matched by Salesforce id), loads it
again (nothing changes), and prints the time of each load and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# bench/ holds scoring.py and sandbox.py, which would shadow the packages of the same names: drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import polars as pl  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from config import load_deployment  # noqa: E402
from sync import Account, SourceAccount, build_engine, run_enrichment, session, upgrade  # noqa: E402

NOW = datetime(2026, 11, 15, tzinfo=UTC)
CONFIG = """
version: 1
connections:
  sf: {{type: salesforce, login_url: "https://127.0.0.1:1", auth: client_credentials,
        client_id: "${{BENCH_ID:-x}}", client_secret: "${{BENCH_SECRET:-y}}"}}
jobs:
  - name: bench
    sources: [{{connection: sf, objects: [Account]}}]
    enrich: [usage]
enrichment:
  usage:
    kind: usage
    file: {file}
    match_by: salesforce_id
    columns: {{match: account_id, month: month, active_users: active_users, licensed_seats: seats}}
"""


def salesforce_ids(n: int) -> pl.Expr:
    """18-character ids `001Bn...AAA` for rows 0..n-1 (unique in their first 15 characters)."""
    return pl.format("001Bn{}AAA", pl.int_range(n).cast(pl.String).str.zfill(10))


def generate(folder: Path, accounts: int, months: int, store: str) -> None:
    """The Parquet file (account x month, in month order) and a store with one live account per id."""
    ids = pl.select(salesforce_ids(accounts).alias("id")).get_column("id")
    usage = pl.DataFrame({"account_id": ids}).join(
        pl.DataFrame({"m": pl.int_range(months, eager=True)}), how="cross"
    )  # fmt: skip
    index = 2026 * 12 + 9 - (months - 1 - pl.col("m"))  # the last month is October 2026
    usage = usage.select(
        "account_id",
        month=pl.format("{}-{}", index // 12, (index % 12 + 1).cast(pl.String).str.zfill(2)),
        active_users=(pl.int_range(pl.len()) % 40).cast(pl.Int32),
        seats=pl.lit(50, pl.Int32),
    )
    usage.write_parquet(folder / "usage.parquet", row_group_size=100_000)
    engine = build_engine(store)
    upgrade(engine)
    sources = [{"connection": "sf", "crm": "salesforce", "source_id": i, "account_key": f"sf:{i}"} for i in ids]
    with session(engine) as s, s.begin():
        s.execute(insert(SourceAccount), sources)
        s.execute(insert(Account), [{"key": row["account_key"]} for row in sources])
    engine.dispose()


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(folder: Path, store: str, batch_rows: int) -> None:
    (folder / "accountsync.yaml").write_text(CONFIG.format(file=folder / "usage.parquet"))
    deployment = load_deployment(folder / "accountsync.yaml", {})
    engine = build_engine(store)
    print(f"peak RSS before loading: {peak_rss_mb():.0f} MB")
    for label in ("first load", "reload (same file)"):
        started, cpu = time.perf_counter(), time.process_time()
        summary = run_enrichment(deployment, "bench", engine=engine, now=NOW, batch_rows=batch_rows)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        (s,) = summary.sources
        print(f"{label}: {s.read:,} rows read, {s.matched:,} matched, {s.unmatched:,} unmatched, "
              f"{s.rejected:,} rejected, {s.written:,} written, {s.unchanged:,} unchanged: {summary.status} "
              f"in {seconds:.1f} s ({s.read / seconds:,.0f} rows/s; CPU {cpu:.1f} s); "
              f"peak RSS {peak_rss_mb():.0f} MB")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--store", help="store URL (default: an SQLite file in the temp dir)")
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.accounts, args.months, args.store)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = args.store or f"sqlite:///{folder / 'store.db'}"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(folder), "--accounts", str(args.accounts),
                        "--months", str(args.months), "--store", store], check=True)  # fmt: skip
        rows = args.accounts * args.months
        size = (folder / "usage.parquet").stat().st_size / 1e6
        print(f"generated {rows:,} usage rows ({size:.1f} MB Parquet) and {args.accounts:,} accounts "
              f"in {time.perf_counter() - started:.1f} s (child process)")  # fmt: skip
        load(folder, store, args.batch_rows)


if __name__ == "__main__":
    main()
