"""Usage and account data read from CSV, Parquet and read-only SQL sources, matched by CRM id."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from sqlmodel import select

from config import EnrichmentSource
from sync import EnrichSourceError, SyncRun, Usage, run_enrichment, session
from sync.enrich.sources import plan_source
from tests.conftest import PG_DSN

from .conftest import NOW, World, sf_id

USAGE_SQL = "SELECT account, period, users, seats FROM product_usage ORDER BY account, period"
SQL_ROWS = [(sf_id(0), "2026-08", 8, 10), (sf_id(0), "2026-09", 9, 10), (sf_id(3), "2026-09-01", 2, None)]


def usage_rows(engine: Any) -> dict[tuple[str, date], tuple[int | None, int | None]]:
    with session(engine) as s:
        rows = s.exec(select(Usage)).all()
    return {(r.account_key, r.month): (r.active_users, r.licensed_seats) for r in rows}


def test_csv_usage_matched_by_salesforce_id_of_15_or_18_characters(world: World) -> None:
    world.write("usage.csv", "Account Id,Month,Active,Seats\n"
                             f"{sf_id(0)},2026-08,8,10\n"
                             f"{sf_id(0)[:15]},2026-09-30,9,10\n"
                             f"{sf_id(2)},2026/9,,25\n")  # fmt: skip
    columns = {"match": "Account Id", "month": "Month", "active_users": "Active", "licensed_seats": "Seats"}
    source = {"kind": "usage", "file": "usage.csv", "match_by": "salesforce_id", "columns": columns}
    summary = run_enrichment(world.deployment(usage=source), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    (usage,) = summary.sources
    assert (usage.read, usage.matched, usage.written, usage.unmatched, usage.rejected) == (3, 3, 3, 0, 0)
    assert usage_rows(world.engine) == {
        (f"sf:{sf_id(0)}", date(2026, 8, 1)): (8, 10),
        (f"sf:{sf_id(0)}", date(2026, 9, 1)): (9, 10),
        (f"sf:{sf_id(2)}", date(2026, 9, 1)): (None, 25),
    }


def test_parquet_usage_matched_by_hubspot_id_with_typed_columns(world: World) -> None:
    frame = pl.DataFrame({"company": [9001, 9005], "month": [date(2026, 9, 1), date(2026, 9, 17)],
                          "active_users": [40, 3], "licensed_seats": [50.0, 5.0]})  # fmt: skip
    frame.write_parquet(world.folder / "usage.parquet")
    source = {"kind": "usage", "file": "usage.parquet", "match_by": "hubspot_id", "columns": {"match": "company"}}
    summary = run_enrichment(world.deployment(usage=source), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    assert usage_rows(world.engine) == {
        (f"sf:{sf_id(1)}", date(2026, 9, 1)): (40, 50),  # HubSpot 9001 is joined to Salesforce account 1
        ("hs:9005", date(2026, 9, 1)): (3, 5),
    }


@pytest.fixture
def sqlite_source(tmp_path: Path) -> str:
    path = tmp_path / "product.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE product_usage (account TEXT, period TEXT, users INTEGER, seats INTEGER)")
        db.executemany("INSERT INTO product_usage VALUES (?, ?, ?, ?)", SQL_ROWS)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_source() -> Any:
    schema = f"src_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"')
        db.execute(f'CREATE TABLE "{schema}".product_usage (account TEXT, period TEXT, users INT, seats INT)')
        with db.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{schema}".product_usage VALUES (%s, %s, %s, %s)', SQL_ROWS)
        db.execute(f'CREATE FUNCTION "{schema}".wipe() RETURNS SETOF "{schema}".product_usage LANGUAGE sql '
                   f'AS $$ DELETE FROM "{schema}".product_usage RETURNING * $$')  # fmt: skip
    yield f"{PG_DSN}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_DSN, autocommit=True) as db:
        db.execute(f'DROP SCHEMA "{schema}" CASCADE')


WRITES = {  # a query that would empty the source, were it not opened read-only
    "sqlite_source": "DELETE FROM product_usage RETURNING account, period, users, seats",
    "postgres_source": "SELECT account, period, users, seats FROM wipe()",
}


@pytest.mark.parametrize("backend", ["sqlite_source", "postgres_source"])
def test_sql_usage_source_is_read_through_a_read_only_connection(
    world: World, backend: str, request: pytest.FixtureRequest
) -> None:
    env = {"PRODUCT_DB": request.getfixturevalue(backend)}
    columns = {"match": "account", "month": "period", "active_users": "users", "licensed_seats": "seats"}
    source = {"kind": "usage", "database_url": "${PRODUCT_DB}", "query": USAGE_SQL, "match_by": "salesforce_id",
              "columns": columns}  # fmt: skip
    summary = run_enrichment(world.deployment(env, usage=source), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    assert usage_rows(world.engine) == {
        (f"sf:{sf_id(0)}", date(2026, 8, 1)): (8, 10),
        (f"sf:{sf_id(0)}", date(2026, 9, 1)): (9, 10),
        (f"sf:{sf_id(3)}", date(2026, 9, 1)): (2, None),
    }
    writing = {**source, "query": WRITES[backend]}
    refused = run_enrichment(world.deployment(env, usage=writing), "nightly", engine=world.engine, now=NOW)
    assert refused.status == "failed"
    assert "read-only" in (refused.sources[0].message or "").replace("readonly", "read-only")
    again = run_enrichment(world.deployment(env, usage=source), "nightly", engine=world.engine, now=NOW)
    assert again.sources[0].read == 3  # the source still holds every row


def test_a_missing_column_fails_that_source_and_the_next_source_still_loads(world: World) -> None:
    world.write("bad.csv", "account,when,users\n1,2026-09,3\n")
    world.write("good.csv", f"account_key,month,active_users\nsf:{sf_id(4)},2026-09,7\n")
    bad = {"kind": "usage", "file": "bad.csv", "match_by": "salesforce_id", "columns": {"match": "account"}}
    good = {"kind": "usage", "file": "good.csv", "match_by": "account_key"}
    summary = run_enrichment(world.deployment(bad=bad, good=good), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "partial"
    assert [s.status for s in summary.sources] == ["failed", "loaded"]
    assert "no column `month` (for month); the source has: account, when, users" in (summary.sources[0].message or "")
    assert usage_rows(world.engine) == {(f"sf:{sf_id(4)}", date(2026, 9, 1)): (7, None)}
    with session(world.engine) as s:
        run = s.get(SyncRun, summary.run_id)
    assert run is not None
    assert (run.kind, run.status) == ("enrich", "partial")


def test_csv_records_are_counted_as_a_spreadsheet_counts_rows(world: World) -> None:
    a = [f"sf:{sf_id(i)}" for i in range(4)]
    world.write("usage.csv", "\ufeffaccount_key,month,active_users,licensed_seats,note\n"
                             f'{a[0]},2026-09,5,10,"two\nlines"\n'   # data row 1: one record over two lines
                             f"{a[1]},2026-09,5,10,x,oops\n"          # 2: a field too many
                             "\n"                                     # 3: an empty line: no data
                             f'"{a[2]}",2026-09," 7 ",10,\n'          # 4
                             f"{a[3]},2026-09,x\n")  # fmt: skip     # 5: fields missing
    source = {"kind": "usage", "file": "usage.csv", "match_by": "account_key"}
    summary = run_enrichment(world.deployment(usage=source), "nightly", engine=world.engine, now=NOW)
    assert (summary.sources[0].read, summary.sources[0].matched) == (4, 2)
    assert sorted(k for k, _ in usage_rows(world.engine)) == sorted([a[0], a[2]])
    assert [(e["row"], e["message"].split(": ", 2)[2]) for e in summary.errors] == [
        (2, "row does not match the header ('6 fields, the header has 5')"),
        (5, "row does not match the header ('3 fields, the header has 5'); active_users is not a number ('x')"),
    ]


@pytest.mark.parametrize(
    ("fields", "available", "error"),
    [
        ({"kind": "usage", "columns": {"seats": "S"}}, ["domain", "month"],
         "unknown column key(s) seats; a usage source maps match, month, active_users, licensed_seats"),
        ({"kind": "usage", "columns": {"licensed_seats": "Seats"}}, ["domain", "month"],
         "no column `Seats` (for licensed_seats); the source has: domain, month"),
        ({"kind": "usage"}, ["domain", "month", "notes"],
         "none of the value columns active_users, licensed_seats found; map them under `columns`"),
        ({"kind": "accounts", "precedence": {"wallet_estimate": "crm"}}, ["domain", "wallet_estimate"],
         "precedence applies to employees, annual_revenue, industry, not wallet_estimate"),
    ],
)  # fmt: skip
def test_a_source_mapping_is_checked_against_its_kind_and_the_columns_found(
    fields: dict[str, Any], available: list[str], error: str
) -> None:
    source = EnrichmentSource.model_validate({"file": "x.csv", **fields})
    with pytest.raises(EnrichSourceError) as raised:
        plan_source("src", source, available)
    assert raised.value.reason == error


def test_columns_are_found_case_insensitively_and_account_data_wins_default_to_the_crm() -> None:
    source = EnrichmentSource.model_validate({"kind": "accounts", "file": "x.csv", "match_by": "salesforce_id",
                                              "precedence": {"industry": "source"}})  # fmt: skip
    plan = plan_source("src", source, ["Salesforce_ID", "Wallet_Estimate", "Industry", "Employees"])
    assert dict(plan.columns) == {"match": "Salesforce_ID", "wallet_estimate": "Wallet_Estimate",
                                  "employees": "Employees", "industry": "Industry"}  # fmt: skip
    assert plan.wins_text == "wallet_estimate=source,employees=crm,industry=source"


def test_a_semicolon_separated_export_is_read_by_its_header_line(world: World) -> None:
    world.write("usage.csv", f'\ufeffaccount_key;month;active_users\nsf:{sf_id(1)};2026-09;"1,500"\n')
    source = {"kind": "usage", "file": "usage.csv", "match_by": "account_key"}
    summary = run_enrichment(world.deployment(usage=source), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    assert usage_rows(world.engine) == {(f"sf:{sf_id(1)}", date(2026, 9, 1)): (1500, None)}
