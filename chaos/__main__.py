"""`python -m chaos [--seed N] [--only a,b] [--seeds N] [--work DIR]`: run the scenarios, print the table.

Exit 0 when every scenario passes, 1 when any fails, 2 on bad arguments. `CHAOS_BREAK=checkpoint` (or
`writeback`) breaks the product's guarantees behind its back, to show the suite catches it.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from chaos.breakage import MODES
from chaos.report import render
from chaos.scenarios import SCENARIOS
from chaos.suite import Context, run_suite, select


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED") or 1), help="base seed (default 1)")
    parser.add_argument("--only", default=os.environ.get("ONLY", ""), help="comma-separated scenario names")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per scenario (default: each its own)")
    parser.add_argument("--work", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:24} {s.seeds:3} seed(s)  {s.summary}")
        return 0
    breakage = os.environ.get("CHAOS_BREAK") or None
    if breakage is not None and breakage not in MODES:
        print(f"CHAOS_BREAK must be one of {', '.join(MODES)}", file=sys.stderr)
        return 2
    try:
        scenarios = select(SCENARIOS, args.only)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    # A client killed mid-request makes the sandbox's server log the disconnect: expected here, and noise.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    root = args.work or Path(tempfile.mkdtemp(prefix="chaos-"))
    root.mkdir(parents=True, exist_ok=True)
    ctx = Context(root=root, base_seed=args.seed, seeds_override=args.seeds, break_mode=breakage)
    ctx.say(
        f"chaos: {len(scenarios)} scenario(s), base seed {args.seed}, work dir {root}"
        + (f", CHAOS_BREAK={breakage}" if breakage else "")
    )
    started = time.monotonic()
    rows = run_suite(ctx, scenarios)
    print(render(rows, args.seed, time.monotonic() - started), flush=True)
    failed = any(not row.passed for row in rows)
    if args.work is None and not args.keep and not failed:
        shutil.rmtree(root, ignore_errors=True)
    elif failed:
        print(f"\nwork dir kept for inspection: {root}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
