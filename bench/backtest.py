"""Benchmark of the score backtest: a 2-year quarterly review of 200,000 accounts and 1,000,000 opportunities.

Run: .venv/bin/python -P bench/backtest.py [--accounts N] [--opportunities M] [--repeat R] [--calibrate]

The portfolio is generated in-process by bench/scoring.py's generator (accounts, opportunities, stage history,
usage; deterministic). Each measurement runs in a child process of its own, so its peak RSS (VmHWM, the
generated data included) is its own; the baseline and the backtest alternate, R times each:

- baseline: `score_portfolio` on the uncut inputs once per as-of date (what scoring those dates costs anyway);
- backtest: `scoring.backtest` over the same dates (the cut at each date, the scoring, the outcomes);
- with --calibrate, the backtest child then also times `calibrate` (286 weight sets on the earlier half).

Prints each run, then min/median/max of the seconds and peak RSS, and the backtest/baseline ratio of the medians.
No API calls: everything is in memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

# bench/ holds scoring.py and sandbox.py, which would shadow the packages of the same names: drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from scoring import score_portfolio  # noqa: E402
from scoring.backtest import backtest  # noqa: E402
from scoring.calibrate import calibrate  # noqa: E402
from scoring.review_dates import as_of_dates  # noqa: E402

REVIEW_DATE = date(2026, 10, 1)  # the generator's close dates run 2023-01 .. 2027-06


def _generator() -> Any:
    """bench/scoring.py, loaded under another name (its own name is the scoring package's)."""
    spec = importlib.util.spec_from_file_location("bench_scoring_generator", _HERE / "scoring.py")
    if spec is None or spec.loader is None:
        raise ImportError(_HERE / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(kind: str, accounts: int, opportunities: int, with_calibration: bool) -> dict[str, Any]:
    """One measurement in this process: generate, then time `kind`."""
    generator = _generator()
    params = generator.bench_params()
    inputs = generator.make_inputs(accounts, opportunities)
    dates = as_of_dates(REVIEW_DATE, "quarter", 2, 6)
    started = time.perf_counter()
    result: dict[str, Any] = {"kind": kind, "dates": len(dates)}
    if kind == "baseline":
        for day in dates:
            score_portfolio(inputs, as_of=day, params=params)
    else:
        found = backtest(inputs, dates, params=params, horizon_months=6)
        result["rows"] = found.frame.height
        if with_calibration:
            result["backtest_seconds"] = time.perf_counter() - started
            calibrate(found, params.score.weights, params.score.tiers)
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mib"] = _vm_hwm_mib()
    return result


def _spread(values: list[float]) -> str:
    return f"min {min(values):8.2f}  median {statistics.median(values):8.2f}  max {max(values):8.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--opportunities", "--opps", dest="opps", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--child", choices=("baseline", "backtest"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.accounts, args.opps, args.calibrate)))
        return 0
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "backtest": []}
    print(
        f"{args.accounts:,} accounts, {args.opps:,} opportunities; quarterly as-of dates over 2 years before "
        f"{REVIEW_DATE}, horizon 6 months; {args.repeat} runs each, interleaved, one child process per run"
    )
    for _ in range(args.repeat):
        for kind in ("baseline", "backtest"):
            command = [sys.executable, "-P", __file__, "--child", kind, "--accounts", str(args.accounts),
                       "--opportunities", str(args.opps), *(["--calibrate"] if args.calibrate else [])]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            runs[kind].append(measured)
            rows = f", {measured['rows']:,} rows" if "rows" in measured else ""
            print(f"  {kind:8}  {measured['seconds']:8.2f} s  peak RSS {measured['peak_rss_mib']:8,.0f} MiB  "
                  f"({measured['dates']} dates{rows})")  # fmt: skip
    for kind, measured in runs.items():
        print(f"{kind:8} seconds      {_spread([m['seconds'] for m in measured])}")
        print(f"{kind:8} peak RSS MiB {_spread([m['peak_rss_mib'] for m in measured])}")
    if args.calibrate:
        backtest_only = [m["backtest_seconds"] for m in runs["backtest"]]
        calibration = [m["seconds"] - m["backtest_seconds"] for m in runs["backtest"]]
        print(f"backtest alone seconds  {_spread(backtest_only)}")
        print(f"calibration seconds     {_spread(calibration)}")
    base = statistics.median(m["seconds"] for m in runs["baseline"])
    print(
        f"ratio backtest / baseline (medians): {statistics.median(m['seconds'] for m in runs['backtest']) / base:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
