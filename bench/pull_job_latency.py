"""Bench (issue #21): a whole job's pull with 150 ms a request, its sources one after another vs side by side.

    .venv/bin/python bench/pull_job_latency.py [--accounts 5000] [--rounds 3] [--slow-ms 150]

One sandbox (both CRMs) with the `slow` fault on every request and HubSpot's limits ON (190 calls per 10 s).
Each measurement is `run_sync(full=True)` (what `accountsync sync --full` does: every stream read and stored,
audited, identity applied) into a fresh SQLite store, in a child process of its own, with the product's own
connectors (HubSpot throttle on). The job reads Salesforce Account, Opportunity, OpportunityHistory,
OpportunityStage, OpportunityLineItem, CurrencyType and HubSpot companies, deals, pipelines; the two modes differ
only in the job's `sources_side_by_side`. Modes are interleaved, a new order each round; min/median/max printed,
with each CRM's calls, HubSpot's calls per 10 s against its limit, and the 429s HubSpot answered.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench/` holds a `sync.py` of its own: import the product from the root
sys.path.append(str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from _job_config import both_crms, write_job_config  # noqa: E402
from pull_salesforce import _manifest, _peak_rss_mb, serve  # noqa: E402

from config import Deployment, Job, load_deployment  # noqa: E402
from connectors import Connector  # noqa: E402
from sync import build_engine, upgrade  # noqa: E402
from sync.jobs import SyncOptions, default_factory, run_sync  # noqa: E402

JOB = "bench"
MODES = {"one after another": False, "side by side": True}
HS_LIMIT = 190  # calls per 10 s, the sandbox's default tier


def write_config(manifest: dict[str, Any], folder: Path, side_by_side: bool) -> tuple[Path, dict[str, str]]:
    """The job's config file and the environment its `${ENV}` references read."""
    path = folder / f"bench-{'together' if side_by_side else 'apart'}.yaml"
    return path, write_job_config(manifest, path, both_crms(JOB, sources_side_by_side=side_by_side))


def measure(config: Path, store: str) -> dict[str, Any]:
    """One full job pull (in the child process); the HubSpot connector kept to read its 429 count."""
    deployment = load_deployment(config)
    opened: list[Connector] = []

    def factory(dep: Deployment, name: str, job: Job) -> Connector:
        connector = default_factory(dep, name, job)
        opened.append(connector)
        return connector

    engine = build_engine(store)
    upgrade(engine)
    wall = time.perf_counter()
    summary = run_sync(deployment, JOB, engine=engine, options=SyncOptions(full=True), factory=factory)
    wall = time.perf_counter() - wall
    engine.dispose()
    limited = sum(getattr(getattr(c, "stats", None), "rate_limited", 0) for c in opened)
    return {"status": summary.status, "records": summary.totals["read"], "seconds": wall,
            "calls": dict(summary.api_calls), "limited": limited, "rss": _peak_rss_mb(),
            "agree": all(a["agrees"] for a in summary.audits)}  # fmt: skip


def child(config: Path, env: dict[str, str], folder: Path, k: int) -> dict[str, Any]:
    store = f"sqlite:///{folder / f'store-{k}.db'}"
    argv = [sys.executable, __file__, "--measure", str(config), "--store", store]
    out = subprocess.run(argv, env=os.environ | env, capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def admin(manifest: dict[str, Any], path: str, body: dict[str, Any], method: str = "POST") -> None:
    with httpx.Client(verify=ssl.create_default_context(cafile=manifest["ca_path"]), timeout=60) as client:
        client.request(method, f"{manifest['salesforce']['base_url']}{path}", json=body).raise_for_status()


def spread(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in (min(values), statistics.median(values), max(values)))


def report(runs: dict[str, list[dict[str, Any]]]) -> None:
    base = statistics.median(r["seconds"] for r in runs["one after another"])
    print(f"  {'sources':<18} {'records':>8}  {'seconds min/med/max':>20}  {'vs apart':>8}  {'SF calls':>8}  "
          f"{'HS calls':>8}  {'HS calls/10 s (med)':>20}  {'429s':>4}  {'RSS MB':>6}  status")  # fmt: skip
    for mode, rows in runs.items():
        seconds = [r["seconds"] for r in rows]
        hs_rate = statistics.median(r["calls"].get("hubspot", 0) / r["seconds"] * 10 for r in rows)
        status = ",".join(sorted({r["status"] + ("" if r["agree"] else " (audit disagrees)") for r in rows}))
        print(f"  {mode:<18} {rows[0]['records']:>8,}  {spread(seconds):>20}  "
              f"{base / statistics.median(seconds):>7.2f}x  {rows[0]['calls'].get('salesforce', 0):>8}  "
              f"{rows[0]['calls'].get('hubspot', 0):>8}  {hs_rate:>6.0f} ({hs_rate / HS_LIMIT:>4.0%} of {HS_LIMIT})  "
              f"{sum(r['limited'] for r in rows):>4}  {max(r['rss'] for r in rows):>6.0f}  {status}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slow-ms", type=int, default=150)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.store)))
        return
    with serve(args.accounts) as (manifest_path, ready), tempfile.TemporaryDirectory(prefix="bench-job-") as tmp:
        manifest, folder = _manifest(manifest_path), Path(tmp)
        print(f"{args.accounts:,} accounts (sandbox ready in {ready:.0f} s); {args.slow_ms} ms a request, HubSpot "
              f"limits on ({HS_LIMIT} calls / 10 s)", flush=True)  # fmt: skip
        admin(manifest, "/__sandbox/salesforce/admin", {"action": "set_quota", "params": {"used": 0, "max": 10**9}})
        written = {mode: write_config(manifest, folder, together) for mode, together in MODES.items()}
        configs, env = {mode: path for mode, (path, _) in written.items()}, written["side by side"][1]
        admin(
            manifest,
            "/__sandbox/faults",
            {"rules": [{"crm": crm, "kind": "slow", "ms": args.slow_ms} for crm in ("salesforce", "hubspot")]},
        )
        runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        order, k = list(MODES), 0
        for n in range(args.rounds):
            for mode in order[n % 2 :] + order[: n % 2]:
                time.sleep(10)  # HubSpot's 10-second window empties between runs
                runs[mode].append(child(configs[mode], env, folder, k))
                k += 1
                print(f"  round {n + 1}: {mode}: {runs[mode][-1]['seconds']:.1f} s", flush=True)
        report(runs)


if __name__ == "__main__":
    main()
