"""Hostile config files: each refused with one located line (exit 2 from the CLI), never a traceback, a hang or
the machine's memory; a read-only store is one line and exit 1. Locations are counted by hand from the texts."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from config import ConfigFileError, load_deployment

DEMO = Path(__file__).parents[2] / "config" / "examples" / "demo.yaml"
MEMORY_CAP = 1 << 30  # the CLI runs under 1 GiB of address space: a bomb that got through would die, not swap


def _bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _many_aliases(n: int) -> str:
    return "base: &b 1\nlist:\n" + "".join("  - *b\n" for _ in range(n))


# (id, file bytes, message, line, column): line and column where the limit is crossed, 1-based
CASES: list[tuple[str, bytes, str, int, int]] = [
    # Values counted as composed, an alias adding its whole tree: lines 1-4 hold 11 + 92 + 821 + 7,382 = 8,306;
    # line 5's key makes 8,307, and each `*a3` adds 7,381: the 6th passes 50,000, at column 10 + 5 * 5 = 35.
    ("alias bomb", _bomb().encode(), "refused: the file expands to more than 50,000 values through the alias *a3",
     5, 35),
    ("101 aliases", _many_aliases(101).encode(), "refused: more than 100 aliases", 103, 5),
    ("alias inside its own anchor", b"a: &x [1, *x]\n", "refused: the alias *x refers to the node that contains it",
     1, 11),
    ("flow nested 100,000 deep", b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
     "refused: nested deeper than 32 levels", 1, 35),
    ("block nested 40 deep", "".join(" " * i + "k:\n" for i in range(40)).encode(),
     "refused: nested deeper than 32 levels", 32, 32),
    ("alias nesting past the depth", b"a: &a " + b"[" * 20 + b"1" + b"]" * 20 + b"\nb: " + b"[" * 16 + b"*a"
     + b"]" * 16 + b"\n", "refused: the alias *a nests the file deeper than 32 levels", 2, 20),
    ("5,000-digit integer", b"version: " + b"9" * 5000 + b"\n", "refused: an integer of 5,000 characters", 1, 10),
    ("5,000-digit hex integer", b"version: 0x" + b"f" * 5000 + b"\n", "refused: an integer of 5,002 characters",
     1, 10),
    ("UTF-16 with its byte order mark", "version: 1\n".encode("utf-16"), "the file is UTF-16 (byte order mark)", 1, 1),
    ("UTF-16BE", b"\xfe\xff" + "version: 1\n".encode("utf-16-be"), "the file is UTF-16 (byte order mark)", 1, 1),
    ("Latin-1 on line 2", "version: 1\njobs: café\n".encode("latin-1"), "not UTF-8: byte 0xE9", 2, 10),
    ("larger than 1 MiB", b"version: 1\n" + b"#" * (1 << 20) + b"\n", "the file is larger than 1,048,576 bytes",
     2, 1_048_566),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message", "line", "column"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_file_is_refused_where_it_crosses_the_limit(
    tmp_path: Path, text: bytes, message: str, line: int, column: int
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text)
    with pytest.raises(ConfigFileError) as caught:
        load_deployment(path, {})
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"{path}:{line}:{column}: {message}")


def _anchored_demo() -> str:
    """The demo with its scoring weights shared through an anchor, and a merge key: anchors stay usable."""
    text = DEMO.read_text(encoding="utf-8")
    assert "weights: {fit: 0.3," in text
    return text.replace("weights: {fit: 0.3,", "weights: &w {fit: 0.3,") + "x-shared: [*w, *w]\n"


def test_files_within_the_limits_still_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(_many_aliases(100), encoding="utf-8")
    with pytest.raises(Exception, match="unknown key `base`"):  # parsed: only the schema refuses it
        load_deployment(path, {})
    path.write_text(DEMO.read_text(encoding="utf-8").replace("version: 1", "version: " + "0" * 63 + "1"))
    assert load_deployment(path, {}).version == 1
    path.write_bytes(b"\xef\xbb\xbf" + DEMO.read_bytes())  # a UTF-8 byte order mark is UTF-8
    assert [j.name for j in load_deployment(path, {}).jobs] == ["demo"]
    path.write_text(_anchored_demo(), encoding="utf-8")
    with pytest.raises(Exception, match="unknown key `x-shared`"):
        load_deployment(path, {})


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ["PATH"], "COLUMNS": "300"} | (env or {})
    # The timeout only keeps a hang from stalling the suite: /dev/zero used to never end.
    return subprocess.run([sys.executable, "-m", "accountsync", *args], capture_output=True, text=True,
                          env=environ, timeout=120, check=False, preexec_fn=_limited, cwd=cwd)  # fmt: skip


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return str(path)


FILES: list[tuple[str, Callable[[Path], str], str]] = [
    ("alias bomb", lambda p: _write(p, _bomb().encode()), ":5:35: refused: the file expands"),
    ("nested 100,000 deep", lambda p: _write(p, b"a: " + b"[" * 100_000 + b"]" * 100_000), ":1:35: refused: nested"),
    ("5,000-digit integer", lambda p: _write(p, b"version: " + b"7" * 5000), ":1:10: refused: an integer"),
    ("UTF-16", lambda p: _write(p, "version: 1\n".encode("utf-16")), ":1:1: the file is UTF-16"),
    ("not UTF-8", lambda p: _write(p, b"version: \xff\n"), ":1:10: not UTF-8: byte 0xFF"),
    ("/dev/zero", lambda p: "/dev/zero", "/dev/zero: not a regular file (a character device)"),
    ("/dev/urandom", lambda p: "/dev/urandom", "/dev/urandom: not a regular file (a character device)"),
    ("a pipe nobody writes to", _fifo, "pipe.yaml: not a regular file (a pipe)"),
]  # fmt: skip


def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("command", [("config", "validate"), ("run", "demo", "-c")], ids=["validate", "run"])
@pytest.mark.parametrize(("make", "expected"), [f[1:] for f in FILES], ids=[f[0] for f in FILES])
def test_the_cli_says_one_line_and_exits_2(tmp_path: Path, command: tuple[str, ...], make: Any, expected: str) -> None:
    file = make(tmp_path)
    done = _cli(*command, file, env={"DATABASE_URL": f"sqlite:///{tmp_path}/store.db"})
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr[-2000:]
    assert expected in lines[0]
    assert lines[0].startswith(("error: ", file))


def test_a_read_only_store_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    assert _cli("db", "upgrade", env={"DATABASE_URL": url}).returncode == 0
    read_only = f"sqlite:///file:{tmp_path}/store.db?mode=ro&uri=true"  # root ignores chmod; SQLite's ro mode does not
    config = tmp_path / "deploy.yaml"
    config.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    sandbox_dir = tmp_path / "sandbox"  # the files the demo config names: `run` checks them before the store
    sandbox_dir.mkdir()
    for name in ("sf-jwt-key.pem", "ca.pem", "usage.csv"):
        (sandbox_dir / name).write_text("x\n")
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    for args in (("tokens", "create", "ops"), ("run", "demo", "-c", str(config))):
        env = {"DATABASE_URL": read_only, "ACCOUNTSYNC_SANDBOX_DIR": str(sandbox_dir)}
        done = _cli(*args, env=env, cwd=workdir)
        assert done.returncode == 1, done.stderr[-2000:]
        assert done.stderr.strip().splitlines() == [
            "error: the store refused the command (attempt to write a readonly database): check that it is "
            "writable and reachable"
        ]
    assert list(workdir.iterdir()) == [], "a SQLite URI filename made folders where the command ran"
