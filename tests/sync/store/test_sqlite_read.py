"""Reading an SQLite store for scoring: ADBC's driver in a child process, typed columns, one snapshot, and the
store's own connections left holding their locks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from sync import build_engine
from sync.store.sqlite_read import SqliteReadError, pinned_sql, read_sqlite, reader_argv

MIXED = "SELECT id, n, x, label FROM t ORDER BY id"
KINDS = {"id": "int", "n": "int", "x": "float", "label": "text"}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n, x, label)")
        # 2,000 rows of nulls before the first value: past the driver's type inference from a first batch
        rows = [(i, None, None, None) for i in range(2000)]
        rows += [(2000, 7, 1.5, "Ünïcode 🚀"), (2001, "not a number", 3, 42), (2002, 9, "x", None)]
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    return path


def test_columns_take_their_kind_even_after_a_first_batch_of_nulls(database: Path) -> None:
    frame = read_sqlite(str(database), {"t": (MIXED, KINDS)})["t"]
    assert frame.schema == pl.Schema({"id": pl.Int64, "n": pl.Int64, "x": pl.Float64, "label": pl.String})
    assert frame.height == 2003
    tail = frame.tail(3).to_dicts()
    assert tail[0] == {"id": 2000, "n": 7, "x": 1.5, "label": "Ünïcode 🚀"}
    # a value not of the column's kind reads as null (as the sqlite3 reader did); an integer in a real column
    # is that number; any value reads as text in a text column
    assert tail[1] == {"id": 2001, "n": None, "x": 3.0, "label": "42"}
    assert tail[2] == {"id": 2002, "n": 9, "x": None, "label": None}


def test_several_queries_come_back_by_name_including_empty_ones(database: Path) -> None:
    frames = read_sqlite(
        str(database),
        {
            "few": ("SELECT id FROM t WHERE id < 3", {"id": "int"}),
            "none": ("SELECT label FROM t WHERE 0", {"label": "text"}),
        },
    )
    assert frames["few"].get_column("id").to_list() == [0, 1, 2]
    assert frames["none"].schema == pl.Schema({"label": pl.String})
    assert frames["none"].is_empty()


def test_a_missing_store_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(SqliteReadError, match=r"nowhere\.db: no such file"):
        read_sqlite(str(missing), {"t": (MIXED, KINDS)})
    assert not missing.exists()


def test_a_bad_query_names_the_database_error(database: Path) -> None:
    with pytest.raises(SqliteReadError, match=r"^t: .*no such table: missing_table$"):
        read_sqlite(str(database), {"t": ("SELECT id FROM missing_table", {"id": "int"})})


def test_nothing_is_left_in_the_temp_folder(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "temp"  # this test's own temp folder: reads of tests running beside it stay out of it
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    read_sqlite(str(database), {"t": (MIXED, KINDS)})
    with pytest.raises(SqliteReadError):
        read_sqlite(str(database), {"t": ("SELECT nope FROM t", {"nope": "int"})})
    assert list(private.iterdir()) == []


def test_a_reader_whose_parent_is_gone_removes_what_it_wrote(database: Path, tmp_path: Path) -> None:
    folder = tmp_path / "handover"
    folder.mkdir()
    request = {"database": str(database), "folder": str(folder), "queries": {"t": pinned_sql(MIXED, KINDS)}}
    child = subprocess.Popen(reader_argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    child.stdout.close()  # as if this process had been killed: nobody reads the names
    _, error = child.communicate(json.dumps(request).encode())
    assert child.returncode == 1, error
    assert not folder.exists()


def test_reading_leaves_this_process_holding_its_write_lock(database: Path) -> None:
    """Why the driver runs in a child: in this process, its second SQLite library would close a file
    descriptor on the store and so release every POSIX lock this process's sqlite3 holds on it. Here the
    store's own connection holds the write lock across a read, and another process still cannot take it."""
    engine = build_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock
            conn.execute(text("INSERT INTO t (id, n) VALUES (5000, 1)"))
            frame = read_sqlite(str(database), {"t": (MIXED, KINDS)})["t"]
            assert 5000 not in frame.get_column("id").to_list()  # the child reads the last committed snapshot
            other = subprocess.run(
                [sys.executable, "-c", _TAKE_WRITE_LOCK, str(database)], capture_output=True, text=True, check=False
            )
            assert other.stdout.strip() == "locked", other.stderr
            conn.execute(text("INSERT INTO t (id, n) VALUES (5001, 1)"))
        with sqlite3.connect(database) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert check.execute("SELECT count(*) FROM t WHERE id >= 5000").fetchone() == (2,)
    finally:
        engine.dispose()


_TAKE_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0.2, isolation_level=None)
try:
    conn.execute("BEGIN IMMEDIATE")
    print("took it")
except sqlite3.OperationalError as exc:
    print("locked" if "locked" in str(exc) else exc)
"""
