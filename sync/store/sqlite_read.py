"""Read queries from an SQLite store file as Arrow frames, in a child process that opens it through ADBC alone.

ADBC's SQLite driver fills Arrow columns in C, 2.5 times faster at a million accounts than a Python object per
value through the process's own sqlite3. But it links a second copy of the SQLite library, and two copies in
one process release each other's POSIX locks on the same file (each copy keeps its own table of open files):
CI saw `disk I/O error` in the next command on such a store. So the driver runs here, in a child process
that opens the store through ADBC and nothing else: one library per process, which is ordinary multi-process
SQLite. The child reads every query in one read transaction (one snapshot of the store) and hands each
result over as an Arrow IPC file that the parent maps as it arrives, while the child reads the next.

Run as a script by `read_sqlite` (not `python -m`: importing the `sync` package would load the sqlite3
module), this file imports only the standard library, polars and the driver.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import polars as pl

__all__ = ["SqliteReadError", "pinned_sql", "read_sqlite", "reader_argv"]

BATCH_ROWS: Final = 1 << 16  # the driver's default of 1,024 rows per Arrow batch is slow
PIN: Final = "__accountsync_pin"  # marks the typing row (see `pinned_sql`)
# Pinned kinds: a column of these comes back as that Arrow type whatever the first rows hold; anything else
# that is not that type reads as null, as with the sqlite3 reader.
_INTEGER: Final = ("0", "CASE WHEN typeof({0}) = 'integer' THEN {0} END")
_PINNED: Final = {
    "int": _INTEGER,
    "bool": _INTEGER,
    "float": ("0.0", "CASE typeof({0}) WHEN 'real' THEN {0} WHEN 'integer' THEN CAST({0} AS REAL) END"),
}
_TEXT: Final = ("''", "{0}")  # the driver turns any value into text for a text column


class SqliteReadError(Exception):
    """The child could not read the store; the message is its last error line."""


def pinned_sql(sql: str, kinds: Mapping[str, str]) -> str:
    """`sql` with its columns pinned to the kinds given ("int", "bool", "float"; anything else text).

    SQLite keeps a type per value, and the driver infers a column's Arrow type from its first batch, then fails
    on a value of another type. A first row holding one value of each column's type (marked by `PIN`, dropped
    afterwards) keeps a first batch of nulls from being taken for integers.
    """
    pinned = [(name, _PINNED.get(kind, _TEXT)) for name, kind in kinds.items()]
    first = ", ".join([f"0 AS {PIN}", *(f'{value} AS "{name}"' for name, (value, _) in pinned)])
    rows = ", ".join([f"1 AS {PIN}", *(expr.format(f'q."{name}"') for name, (_, expr) in pinned)])
    return f"SELECT {first} UNION ALL SELECT {rows} FROM ({sql}) AS q"


def read_sqlite(database: str, queries: Mapping[str, tuple[str, Mapping[str, str]]]) -> dict[str, pl.DataFrame]:
    """Each named query's rows from the SQLite file `database`, typed by kind ("int" and "bool" as Int64,
    "float" as Float64, anything else as text).

    Raises:
        SqliteReadError: the child failed (a missing file, a bad query, a locked store past the busy timeout).
    """
    if not Path(database).is_file():
        raise SqliteReadError(f"{database}: no such file")
    order = {name: pinned_sql(sql, kinds) for name, (sql, kinds) in queries.items()}
    frames: dict[str, pl.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="accountsync-read-") as folder:
        request = json.dumps({"database": str(Path(database).resolve()), "folder": folder, "queries": order})
        errors = Path(folder) / "stderr"
        with (
            errors.open("w") as stderr,
            subprocess.Popen(
                reader_argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True
            ) as child,
        ):
            assert child.stdin is not None
            assert child.stdout is not None
            child.stdin.write(request)
            child.stdin.close()
            for line in child.stdout:  # a name per result, as soon as its file is whole
                name, file = line.strip(), Path(folder) / f"{line.strip()}.arrow"
                frames[name] = _unpinned(pl.read_ipc(file), name)
                file.unlink()  # at most one result on disk if this process is killed
        if child.returncode != 0:
            lines = [line for line in errors.read_text().splitlines() if line.strip()]
            raise SqliteReadError(lines[-1] if lines else f"the reader exited with {child.returncode}")
    missing = queries.keys() - frames.keys()
    if missing:
        raise SqliteReadError(f"the reader returned nothing for {', '.join(sorted(missing))}")
    return frames


def _unpinned(raw: pl.DataFrame, name: str) -> pl.DataFrame:
    """The rows after the typing row (a slice of the frame, not a copy)."""
    pins = raw.get_column(PIN)
    if raw.is_empty() or pins[0] != 0 or pins.sum() != raw.height - 1:
        raise SqliteReadError(f"{name}: the typing row did not come first")
    return raw.slice(1).drop(PIN)


def reader_argv() -> list[str]:
    """The command that runs this file as the reader (it reads a JSON request on stdin)."""
    # -P: the script's own folder (sync/) must not shadow top-level modules (sync/runs/queue.py, say).
    return [sys.executable, "-P", str(Path(__file__).resolve())]


def _child(request: dict[str, Any]) -> None:
    import adbc_driver_sqlite
    from adbc_driver_manager import AdbcConnection

    uri = Path(request["database"]).as_uri() + "?mode=rw"  # never create a store that is not there
    database = adbc_driver_sqlite.connect(uri)
    try:
        with AdbcConnection(database) as conn:
            conn.set_autocommit(False)  # one read transaction: every query sees the same snapshot
            _query(conn, "PRAGMA busy_timeout=30000")
            for name, sql in request["queries"].items():
                try:
                    frame = _query(conn, sql)
                except Exception as exc:  # the first line names the problem; the rest repeats the SQL
                    print(f"{name}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
                    raise SystemExit(1) from None
                frame.write_ipc(Path(request["folder"]) / f"{name}.arrow", compression="uncompressed")
                try:
                    print(name, flush=True)
                except BrokenPipeError:  # the reading process is gone (killed): leave nothing behind
                    shutil.rmtree(request["folder"], ignore_errors=True)
                    os._exit(1)
            conn.rollback()
    finally:
        database.close()


def _query(conn: Any, sql: str) -> pl.DataFrame:
    from adbc_driver_manager import AdbcStatement

    with AdbcStatement(conn) as statement:
        statement.set_options(**{"adbc.sqlite.query.batch_rows": BATCH_ROWS})
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        return pl.DataFrame(stream)


if __name__ == "__main__":
    _child(json.loads(sys.stdin.read()))
