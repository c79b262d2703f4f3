"""Hostile config files (#25 items 4-5) through the CLI's commands, each in its own capped process, and through
`POST /api/config/reload` of a running service: an alias bomb, a file nested 100,000 deep, a 5,000-digit integer,
UTF-16, Latin-1, more than 1 MiB, /dev/zero, /dev/urandom and a pipe nobody writes to; then a read-only store.
Each must be one error line (exit 2; exit 1 for the store) naming the file and, for a text file, the line and
column; never a traceback, a hang, a kill for memory; the service answers 422, keeps its jobs and its memory."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

import httpx

from chaos.report import Row
from chaos.served import JOB, Answer, Served
from chaos.suite import Context

__all__ = ["NAME", "run"]

NAME: Final = "hostile-config"
TIMEOUT: Final = 30.0  # a refusal takes well under a second; past this the command hangs
RSS_GROWTH_MIB: Final = 256.0  # what one refused reload may add to the service's memory
COMMANDS: Final = (("config", "validate"), ("run", JOB, "-c"), ("sync", JOB, "-c"))


def _bomb() -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return ("\n".join(lines) + "\n").encode()


TEXTS: Final[dict[str, bytes]] = {
    "alias-bomb.yaml": _bomb(),
    "nested-100000.yaml": b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "integer-5000-digits.yaml": b"version: " + b"9" * 5000 + b"\n",
    "utf16.yaml": "version: 1\njobs: []\n".encode("utf-16"),
    "latin1.yaml": "version: 1\njobs: café\n".encode("latin-1"),
    "over-1-mib.yaml": b"version: 1\n" + b"# padding\n" * 120_000,
}
DEVICES: Final = ("/dev/zero", "/dev/urandom")
LOCATED: Final = re.compile(r"^(?:error: )?(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): \S")


def _hostile_files(root: Path) -> list[str]:
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in TEXTS.items():
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    fifo = folder / "pipe.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    return [*paths, *DEVICES, str(fifo)]


def _problem(answer: Answer, code: int) -> str | None:
    """What is wrong with how one command ended (it must be one line and exit `code`), or None."""
    if answer.rc is None:
        return f"no answer within {TIMEOUT:.0f} s (a hang)"
    if answer.traceback or answer.rc < 0:
        last = [line for line in answer.err.splitlines() if line.strip()]
        return f"crashed (exit {answer.rc}): {last[-1][:160] if last else ''}"
    lines = [line for line in answer.err.split("\n") if line.strip()]
    if answer.rc != code or len(lines) != 1:
        return f"exit {answer.rc} with {len(lines)} line(s), expected exit {code} and one line: {answer.err[-200:]!r}"
    return None


def _located(file: str, line: str) -> str | None:
    if file.startswith("/dev/") or file.endswith("pipe.yaml"):
        return None if file in line and "not a regular file" in line else f"not named as a non-file: {line[:160]!r}"
    found = LOCATED.match(line)
    if found is None or found.group("file") != file:
        return f"not located FILE:LINE:COLUMN: {line[:160]!r}"
    lines = Path(file).read_bytes().count(b"\n") + 1
    return None if 1 <= int(found.group("line")) <= lines else f"a line outside the file: {line[:160]!r}"


def run(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        with Served(ctx.root / NAME / str(seed), ctx.book) as served:
            files = _hostile_files(served.root)
            _through_the_cli(ctx, row, served, files)
            _read_only_store(ctx, row, served)
            served.serve()
            _through_reload(ctx, row, served, files)
        row.seeds += 1


def _through_the_cli(ctx: Context, row: Row, served: Served, files: list[str]) -> None:
    slowest, problems = 0.0, 0
    for file in files:
        for command in COMMANDS:
            answer = served.cli(*command, file, timeout=TIMEOUT)
            row.runs += 1
            slowest = max(slowest, answer.seconds)
            problem = _problem(answer, 2) or _located(file, answer.err.strip())
            if problem is not None:
                problems += 1
                row.fail(f"`accountsync {' '.join(command)} {Path(file).name}`: {problem}")
    row.notes.append(f"CLI: {len(files)} hostile files x {len(COMMANDS)} commands, each in a process capped at "
                     f"1 GiB: {problems} problem(s); slowest answer {slowest:.1f} s")  # fmt: skip
    ctx.say(f"   {row.notes[-1]}")


def _read_only_store(ctx: Context, row: Row, served: Served) -> None:
    """The store opened read-only (SQLite's mode=ro: root ignores file permissions, SQLite does not)."""
    read_only = f"sqlite:///file:{served.root / 'accountsync.db'}?mode=ro&uri=true"
    problems = 0
    for args in (("tokens", "create", "chaos-ro"), ("run", JOB, "-c", str(served.config_path))):
        answer = served.cli(*args, timeout=TIMEOUT, DATABASE_URL=read_only)
        row.runs += 1
        problem = _problem(answer, 1)
        if problem is None and "readonly" not in answer.err:
            problem = f"the line does not say the store is read-only: {answer.err[-200:]!r}"
        if problem is not None:
            problems += 1
            row.fail(f"read-only store, `accountsync {args[0]}`: {problem}")
    row.notes.append(f"read-only store: `tokens create` and `run`: {problems} problem(s)")


def _install(config: Path, file: str, valid: str) -> Callable[[], None]:
    """Make the service's config file `file` (a copy, or a link to a device or pipe); returns the undo."""
    config.unlink()
    if file.startswith("/dev/") or file.endswith("pipe.yaml"):
        config.symlink_to(file)
    else:
        config.write_bytes(Path(file).read_bytes())

    def restore() -> None:
        config.unlink()
        config.write_text(valid, encoding="utf-8")

    return restore


def _through_reload(ctx: Context, row: Row, served: Served, files: list[str]) -> None:
    admin = {"Authorization": f"Bearer {served.token('chaos-admin', 'admin')}"}
    valid = served.config_path.read_text(encoding="utf-8")
    before = served.rss_mib()
    peak, problems = before, 0
    with served.client() as client:
        for file in files:
            restore = _install(served.config_path, file, valid)
            status = 0
            try:
                answer = client.post("/api/config/reload", headers=admin, timeout=TIMEOUT)
                status = answer.status_code
                problem = _reload_problem(served, file, status, answer.text)
            except Exception as exc:  # a hang or a dead service: the refusal never came
                problem = f"no answer: {type(exc).__name__}"
            finally:
                restore()
            row.runs += 1
            row.http_5xx += status >= 500
            peak = max(peak, served.rss_mib())
            if problem is not None:
                problems += 1
                row.fail(f"reload of {Path(file).name}: {problem}")
            if not served.alive():
                row.fail(f"`accountsync serve` died at the reload of {Path(file).name}")
                row.notes.append(f"reload: the service died at {Path(file).name} ({problems} problem(s) before)")
                return
        row.notes.append(f"reload: {len(files)} hostile files: {problems} problem(s); service memory {before:.0f} "
                         f"MiB before, {peak:.0f} MiB at most")  # fmt: skip
        ctx.say(f"   {row.notes[-1]}")
        row.check(peak - before <= RSS_GROWTH_MIB, f"the service grew from {before:.0f} to {peak:.0f} MiB")
        try:
            jobs = client.get("/api/jobs", headers=admin, timeout=TIMEOUT).json().get("jobs", [])
            row.check([j["name"] for j in jobs] == [JOB], f"the jobs in force changed: {jobs}")
            again = client.post("/api/config/reload", headers=admin, timeout=TIMEOUT)
            row.check(again.status_code == 200, f"the valid config did not reload: {again.status_code}")
        except httpx.HTTPError as exc:
            row.fail(f"the service stopped answering after the hostile reloads: {type(exc).__name__}")


def _reload_problem(served: Served, file: str, status: int, body: str) -> str | None:
    if status != 422:
        return f"answered {status}, expected 422: {body[:160]!r}"
    prefix = f'{{"detail":"config not reloaded: {served.config_path}'
    if not body.startswith(prefix):
        return f"the refusal does not name the config file: {body[:160]!r}"
    detail = body[len('{"detail":"config not reloaded: ') :]
    if file.startswith("/dev/") or file.endswith("pipe.yaml"):
        return None if "not a regular file" in detail else f"not named as a non-file: {detail[:160]!r}"
    return None if re.match(rf"{re.escape(str(served.config_path))}:\d+:\d+: ", detail) else f"unlocated: {detail!r}"
