"""Bench helper: put a synthetic portfolio into the store's real tables, in bulk, as sync/ would leave them.

Set-up for the end-to-end scoring bench, not a measurement: SQLite gets one executemany transaction per
table on a connection of its own (journal in memory, no fsync: the file is a throwaway), PostgreSQL gets
COPY. Rows are shaped like the pull leaves them: opportunities keyed by (connection, CRM id) with their
line items in `product_line`, stage entries in `stage_history`, usage per account and month, stage
probabilities in `stage_meta`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from config import Deployment
from scoring import ScoringInputs

CONNECTION = "sf"
LOADED_AT = datetime(2026, 6, 30, tzinfo=UTC)
SQLITE_BATCH = 100_000
CSV_BATCH = 500_000


def store_shaped(inputs: ScoringInputs) -> ScoringInputs:
    """The same portfolio with opportunity keys as the store yields them (`connection:CRM id`)."""
    prefix = pl.lit(f"{CONNECTION}:")
    return ScoringInputs(
        accounts=inputs.accounts,
        opportunities=inputs.opportunities.with_columns(prefix + pl.col("key")),
        rates=inputs.rates,
        stage_history=inputs.stage_history.with_columns(prefix + pl.col("opportunity_key")),
        usage=inputs.usage,
    )


def bench_deployment(inputs: ScoringInputs, wallet_ratios: dict[str, float]) -> Deployment:
    """A deployment whose scoring section matches the bench's parameters and whose rates are the frames'."""
    return deployment_with({str(c): str(r) for c, r in inputs.rates.iter_rows()}, wallet_ratios)


def deployment_with(rates: dict[str, str], wallet_ratios: dict[str, float]) -> Deployment:
    """The bench's deployment with these currency rates (to the corporate USD)."""
    icp = [
        {"industries": ["Manufacturing", "Software"], "points": 40},
        {"min_employees": 200, "max_employees": 5000, "points": 30},
        {"countries": ["US", "DE"], "points": 30},
    ]
    return Deployment.model_validate(
        {
            "connections": {
                CONNECTION: {
                    "type": "salesforce",
                    "login_url": "https://127.0.0.1:1",
                    "auth": "client_credentials",
                    "client_id": "bench",
                    "client_secret": "bench",
                },
            },
            "jobs": [{"name": "bench", "sources": [{"connection": CONNECTION, "objects": ["Account", "Opportunity"]}]}],
            "scoring": {"icp": icp, "wallet_ratios": wallet_ratios},
            "currency": {"corporate": "USD", "rates": rates, "use_crm_rates": False},
        }
    )


def _source_id(key: str) -> pl.Expr:
    """The CRM id of a store-shaped opportunity key."""
    return pl.col(key).str.strip_prefix(f"{CONNECTION}:")


def _tables(inputs: ScoringInputs, stage_probabilities: dict[str, float]) -> dict[str, pl.DataFrame]:
    """Table name -> rows, columns named as the table's."""
    at = pl.lit(LOADED_AT)
    opps = inputs.opportunities
    return {
        "account": inputs.accounts.with_columns(
            pl.lit(None, pl.Datetime("us", "UTC")).alias("deleted_at"), at.alias("updated_at")
        ),
        "opportunity": opps.select(
            pl.lit(CONNECTION).alias("connection"),
            pl.lit("salesforce").alias("crm"),
            _source_id("key").alias("source_id"),
            "account_key",
            "amount",
            "currency",
            "stage",
            "is_closed",
            "is_won",
            "probability",
            "close_date",
            "created_at",
            "type",
            "product_line",
            "recurring",
            "term_months",
            "start_date",
            at.alias("modstamp"),
            at.alias("updated_at"),
        ),
        "product_line": opps.filter(pl.col("product_line").is_not_null()).select(
            pl.lit(CONNECTION).alias("connection"),
            (_source_id("key") + "-1").alias("source_id"),
            _source_id("key").alias("opportunity_source_id"),
            pl.col("product_line").alias("family"),
            pl.col("amount").alias("total_price"),
        ),
        "stage_history": inputs.stage_history.select(
            pl.lit(CONNECTION).alias("connection"),
            _source_id("opportunity_key").alias("opportunity_source_id"),
            "stage",
            "entered_at",
        ),
        "usage": inputs.usage.with_columns(pl.lit("bench").alias("origin")),
        "stage_meta": pl.DataFrame(
            {"stage": list(stage_probabilities), "probability": list(stage_probabilities.values())}
        ).select(
            pl.lit(CONNECTION).alias("connection"),
            pl.all(),
            pl.lit(False).alias("is_closed"),
            pl.lit(False).alias("is_won"),
        ),
    }


def load(engine: Engine, inputs: ScoringInputs, stage_probabilities: dict[str, float]) -> dict[str, int]:
    """Write the portfolio (store-shaped, see `store_shaped`) into the migrated, empty store; row counts."""
    tables = _tables(inputs, stage_probabilities)
    if engine.dialect.name == "postgresql":
        _copy_postgresql(engine, tables)
    else:
        database = engine.url.database
        assert database, "the bench needs an SQLite file"
        engine.dispose()  # no pooled connection holds the file while the loader writes
        _insert_sqlite(database, tables)
    return {name: frame.height for name, frame in tables.items()}


def _copy_postgresql(engine: Engine, tables: dict[str, pl.DataFrame]) -> None:
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for name, frame in tables.items():
            text = frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00"))
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
                for offset in range(0, text.height, CSV_BATCH):
                    copy.write(text.slice(offset, CSV_BATCH).write_csv(include_header=False))
        cursor.execute("ANALYZE")


def _sqlite_rows(frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    # Stored as sync.store.columns does: money as text, naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO.
    money = [c for c in ("annual_revenue", "wallet_estimate", "amount", "total_price") if c in frame.columns]
    text = frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"),
        pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col(money).cast(pl.String),
    )
    for offset in range(0, text.height, SQLITE_BATCH):
        yield from text.slice(offset, SQLITE_BATCH).iter_rows()


def _insert_sqlite(database: str, tables: dict[str, pl.DataFrame]) -> None:
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("BEGIN")
        for name, frame in tables.items():
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            marks = ", ".join("?" * frame.width)
            conn.executemany(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', _sqlite_rows(frame))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
