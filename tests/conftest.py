"""Fixtures shared by the whole suite: the store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from sync import build_engine, upgrade

PG_DSN = os.environ.get("ACCOUNTSYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # never a silent skip: the suite needs PostgreSQL
        pytest.fail(f"PostgreSQL is required for the store tests ({PG_DSN}): {exc}")


def _schema_url(schema: str) -> str:
    """The store's URL on the test database with `schema` as its search_path."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _schema_url(schema)
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    """An SQLite file URL in the test's tmp dir."""
    return f"sqlite:///{tmp_path}/store.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The store's URL, once per backend: every store test runs on SQLite and PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


# The unit lane (`make test-fast`) leaves out what starts real servers or processes: the CRM sandbox, served
# replicas, the demo and README runs, Chromium. Those tests are marked `e2e` here, from the fixtures they use
# and the modules they live in, so no test has to remember to mark itself.
@pytest.fixture
def store(database_url: str, migrated_copy: Callable[[str], None]) -> Iterator[Engine]:
    """A migrated store (its engine), once per backend; disposed afterwards."""
    migrated_copy(database_url)
    engine = build_engine(database_url)
    upgrade(engine)  # a no-op on the copy: it is at head; a store the copy could not make is migrated here
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], None]:
    """Fills an empty store with a copy of one migrated by `alembic upgrade` once per test process: an SQLite file
    copied, PostgreSQL's schema replayed from `pg_dump --schema-only` of a migrated schema (one round trip instead
    of ~15 migrations: the unit lane made ~100 PostgreSQL stores at ~0.25 s each). `tests/sync/store` still runs
    every migration itself on both stores, and checks the migrated schema against the models."""
    folder = tmp_path_factory.mktemp("migrated")
    sqlite_file = folder / "store.db"
    template = build_engine(f"sqlite:///{sqlite_file}")
    upgrade(template)
    template.dispose()
    schema = f"tmpl_{uuid.uuid4().hex[:12]}"
    ddl = _migrated_pg_ddl(schema)

    def fill(url: str) -> None:
        if url.startswith("sqlite:///"):
            shutil.copyfile(sqlite_file, url.removeprefix("sqlite:///"))
        elif ddl is not None:
            target = url.split("search_path%3D", 1)[1]
            with _pg_admin() as conn:
                conn.execute(ddl.replace(schema, target))  # type: ignore[arg-type]  # a trusted script, no params

    return fill


def _migrated_pg_ddl(schema: str) -> str | None:
    """The DDL of a schema migrated to head, as one script naming `schema`; None without `pg_dump` (each store is
    then migrated by alembic, only slower)."""
    dump = shutil.which("pg_dump")
    if dump is None:
        return None
    with _pg_admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        engine = build_engine(_schema_url(schema))
        upgrade(engine)
        engine.dispose()
        with _pg_admin() as conn:
            [head] = conn.execute(f'SELECT version_num FROM "{schema}".alembic_version').fetchone() or [None]
        text = subprocess.run([dump, "--schema-only", "--no-owner", "--no-privileges", "-n", schema, PG_DSN],
                              capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    # psql meta-commands (\restrict) and the schema itself (the test's exists) are left out
    lines = [line for line in text.splitlines() if not line.startswith(("\\", "--", "CREATE SCHEMA"))]
    return "\n".join(lines) + f"\nINSERT INTO {schema}.alembic_version (version_num) VALUES ('{head}');\n"


E2E_FIXTURES = frozenset({"sandbox", "make_sandbox", "stub_sandbox", "hs_sandbox", "sf_org", "make_wb", "replicas",
                          "bench", "e2e"})  # fmt: skip
E2E_MODULES = ("test_e2e_", "test_demo", "test_readme_commands", "test_dashboard", "test_service_replicas",
               "test_bench_e2e", "test_writeback_sandbox", "test_chaos_harness", "test_service_cli",
               "test_enrich_cli")  # fmt: skip


# `make test` runs the suite on both cores (pytest-xdist), then these modules alone: each kills or starves
# processes at a seeded moment or counts on a pace, which a neighbour's load on the other core would shift.
SERIAL_MODULES = ("test_e2e_kill_resume", "test_service_replicas", "test_chaos_harness", "test_writeback_sandbox_crash",
                  "test_e2e_scheduled_job")  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that start servers or processes `e2e` (the unit lane runs `-m "not e2e"`), and those that
    must run alone `serial`."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & E2E_FIXTURES or item.path.name.startswith(E2E_MODULES):
            item.add_marker(pytest.mark.e2e)
        if item.path.name.startswith(SERIAL_MODULES):
            item.add_marker(pytest.mark.serial)
