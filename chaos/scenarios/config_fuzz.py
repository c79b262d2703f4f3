"""Fuzzed config files (hypothesis, seeded): hundreds through the CLI's entry point in a worker process, then a
sample (and every file that went wrong) through separate `accountsync config validate` processes. Each must be
valid or refused with located errors (FILE:LINE:COLUMN), never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Final

from chaos.config_fuzz import ENV, check_output
from chaos.report import Row
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "config-fuzz"
EXAMPLES: Final = 300
PROCESSES: Final = 14  # files also checked by a separate `accountsync` process each


def _validate(path: Path, env: dict[str, str]) -> tuple[int, str, str]:
    argv = [sys.executable, "-m", "accountsync", "config", "validate", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


def run(ctx: Context, row: Row) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCOUNTSYNC_")} | ENV | {"COLUMNS": "400"}
    for seed in ctx.seeds(1):
        out = ctx.root / NAME / str(seed)
        argv = [sys.executable, "-m", "chaos.config_fuzz", "--seed", str(seed), "--examples", str(EXAMPLES),
                "--out", str(out)]  # fmt: skip
        worker = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, check=False)
        if not row.check(worker.returncode == 0, f"seed {seed}: the fuzz worker failed: {worker.stderr[-300:]}"):
            continue
        result = json.loads((out / "result.json").read_text(encoding="utf-8"))
        row.runs += int(result["examples"])
        for problem in result["problems"]:
            row.fail(f"seed {seed}: {Path(problem['file']).name}: {problem['problem']}")
        files = [Path(p["file"]) for p in result["problems"]][:4] + [Path(p) for p in result["sample"]][:PROCESSES]
        for path in files:
            code, stdout, stderr = _validate(path, env)
            row.runs += 1
            problem = check_output(str(path), code, stdout, stderr, path.read_text(encoding="utf-8", errors="replace"))
            if problem is not None:
                row.fail(f"seed {seed}: {path.name} in its own process: {problem}")
        row.seeds += 1
        row.notes.append(f"seed {seed}: {result['examples']} files: {result['valid']} valid, {result['refused']} "
                         f"refused with located errors, {len(result['problems'])} problem(s); {len(files)} rechecked "
                         "in their own process")  # fmt: skip
        ctx.say(f"   {row.notes[-1]}")
