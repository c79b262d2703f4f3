"""Bench: the sync engine end to end (connectors -> normalise -> store, audits, identity) against the sandbox.

    .venv/bin/python -P bench/sync.py [--accounts 200000] [--stores sqlite,postgresql] [--changes 1000]

Starts the sandbox (`python -m sandbox serve`, both CRMs, HubSpot's rate limits off), then runs each
measurement in a fresh child process, so its wall time, CPU seconds and peak RSS (VmHWM) are its own:

1. `connectors alone, full`: the job's connectors read every stream in full and drop the pages (the ceiling);
2. `engine, full` per store: `run_sync(full=True)` into an empty store (SQLite file, PostgreSQL schema);
3. the sandbox's mutator makes `--changes` edits across both CRMs (updates, creates, deletes, merges);
4. `connectors alone, incremental`: the same connectors read every stream's window since the first full run;
5. `engine, incremental` per store: `run_sync()` from the checkpoints the full run left.

Records/s counts the records the connectors handed over; `vs alone` is engine seconds / connector seconds
on the same streams (what the store, the audits and identity add). The engine's HubSpot connector runs with
its throttle off (the sandbox's limits are off too): with HubSpot's real limits (190 calls / 10 s) the
HubSpot streams are bound by the limit, not by the engine.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench/` holds a `sandbox.py` of its own: import the product from the root

from config import Deployment, HubSpotConnection, Job, load_deployment  # noqa: E402
from connectors import ApiBudget, Connector, Window  # noqa: E402
from connectors.hubspot import connect as connect_hubspot  # noqa: E402
from sync import build_engine, upgrade  # noqa: E402
from sync.connect import build_connector  # noqa: E402
from sync.jobs import SyncOptions, run_sync  # noqa: E402
from sync.pull.job import extra_fields, ordered_streams  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent))  # the bench helpers; `sync` is imported already
from _job_config import SF_OBJECTS, both_crms, write_job_config  # noqa: E402
from _stores import stores  # noqa: E402

JOB = "bench"


# -- the sandbox and the deployment -----------------------------------------------------------------------


@contextmanager
def serve(accounts: int, seed: int, state: Path) -> Iterator[dict[str, Any]]:
    """The sandbox in its own process; yields its manifest."""
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "sandbox", "serve", "--seed", str(seed), "--accounts", str(accounts),
         "--port-sf", "0", "--port-hs", "0", "--state-dir", str(state)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip().startswith("Manifest"):
            break
    else:
        raise SystemExit(f"the sandbox exited with {proc.wait()} before it was ready")
    try:
        yield json.loads((state / "sandbox.json").read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=300)


def admin(manifest: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the sandbox's admin routes."""
    context = ssl.create_default_context(cafile=manifest["ca_path"])
    with httpx.Client(verify=context, timeout=600) as client:
        answer: dict[str, Any] = (
            client.post(manifest["salesforce"]["base_url"] + path, json=body).raise_for_status().json()
        )
    return answer


def unlimited(manifest: dict[str, Any]) -> None:
    """Lift Salesforce's daily quota and turn HubSpot's rate limits off (a bench, not a budget test)."""
    admin(manifest, "/__sandbox/salesforce/admin", {"action": "set_quota", "params": {"used": 0, "max": 10**9}})
    admin(manifest, "/__sandbox/hubspot/admin", {"action": "set_limits", "params": {"enabled": False}})


def write_config(manifest: dict[str, Any], folder: Path) -> tuple[Path, dict[str, str]]:
    """The job's config file (credentials as `${ENV}` references) and the environment it reads."""
    path = folder / "bench.yaml"
    return path, write_job_config(manifest, path, both_crms(JOB))


def factory(deployment: Deployment, name: str, job: Job) -> Connector:
    """The job's real connectors; HubSpot's throttle off (the sandbox's limits are off)."""
    conn = deployment.connections[name]
    if isinstance(conn, HubSpotConnection):
        return connect_hubspot(
            name, conn, budget=ApiBudget(connection=name, share=job.api_budget_share), throttle=False
        )
    return build_connector(deployment, name, budget_share=job.api_budget_share, bulk_threshold=job.bulk_threshold)


# -- one measurement (in a child process) -----------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read_alone(deployment: Deployment, since: datetime | None) -> int:
    """Every stream of the job read through its connector, pages dropped; returns the records read."""
    job = deployment.jobs[0]
    records, end = 0, datetime.now(UTC)
    for source in job.sources:
        connector = factory(deployment, source.connection, job)
        try:
            specs = connector.streams(source.objects, extra_fields=extra_fields(job, source))
            for spec in ordered_streams(specs, connector.crm):
                window = Window(since if spec.incremental else None, end)
                records += sum(len(page.records) for page in connector.read(spec, window))
        finally:
            connector.close()
    return records


def phase(args: argparse.Namespace) -> dict[str, Any]:
    """Run one measurement; returns records, wall and CPU seconds, peak RSS (and the run's status)."""
    deployment = load_deployment(args.config)
    wall, cpu = time.perf_counter(), time.process_time()
    out: dict[str, Any] = {}
    if args.phase.startswith("alone"):
        since = datetime.fromisoformat(args.since) if args.since else None
        out["records"] = read_alone(deployment, since)
    else:
        engine = build_engine(args.store)
        upgrade(engine)
        summary = run_sync(deployment, JOB, engine=engine, options=SyncOptions(full=args.phase == "engine-full"),
                           factory=factory)  # fmt: skip
        engine.dispose()
        out |= {"records": summary.totals["read"], "status": summary.status, "calls": summary.api_calls,
                "audits_agree": all(a["agrees"] for a in summary.audits)}  # fmt: skip
    return out | {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "rss": peak_rss_mb()}


def run_phase(name: str, config: Path, env: dict[str, str], *, store: str = "", since: str = "") -> dict[str, Any]:
    """`phase()` in a fresh child process (its CPU and peak RSS are the measurement's alone)."""
    argv = [sys.executable, "-P", __file__, "--phase", name, "--config", str(config), "--store", store,
            "--since", since]  # fmt: skip
    done = subprocess.run(argv, env=os.environ | env, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} {store} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- stores -----------------------------------------------------------------------------------------------


# -- the report -------------------------------------------------------------------------------------------


def line(label: str, store: str, result: dict[str, Any], alone: dict[str, Any] | None) -> str:
    """One row of the report."""
    rate = result["records"] / result["seconds"] if result["seconds"] else 0.0
    ratio = f"{result['seconds'] / alone['seconds']:6.2f}x" if alone and alone["seconds"] else "      -"
    status = result.get("status", "")
    return (f"{label:<30} {store:<10} {result['records']:>10,} {result['seconds']:>9.1f} {rate:>9,.0f} "
            f"{result['cpu']:>8.1f} {result['rss']:>8.0f}  {ratio}  {status}")  # fmt: skip


def counts(manifest: dict[str, Any]) -> str:
    """What the org holds (live records), for the report's header."""
    context = ssl.create_default_context(cafile=manifest["ca_path"])
    with httpx.Client(verify=context, timeout=600) as client:
        orgs = client.get(manifest["salesforce"]["base_url"] + "/__sandbox/stats").raise_for_status().json()["orgs"]
    sf = {k: v["live"] for k, v in orgs["salesforce"]["objects"].items() if k in SF_OBJECTS}
    hs = {k: orgs["hubspot"][k]["live"] for k in ("companies", "deals")}
    return f"Salesforce {sf}; HubSpot {hs}"


def bench(args: argparse.Namespace, manifest: dict[str, Any], folder: Path) -> None:
    """The whole sequence of measurements, printed as they finish."""
    config, env = write_config(manifest, folder)
    print(counts(manifest), flush=True)
    print(f"{'phase':<30} {'store':<10} {'records':>10} {'seconds':>9} {'rec/s':>9} {'CPU s':>8} {'RSS MB':>8}"
          "  vs alone", flush=True)  # fmt: skip
    unlimited(manifest)
    alone = run_phase("alone-full", config, env)
    print(line("connectors alone, full", "-", alone, None), flush=True)
    since = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()  # the lookback before the first full run
    with stores(args.stores.split(","), folder) as urls:
        for name, url in urls.items():
            unlimited(manifest)
            print(line("engine, full", name, run_phase("engine-full", config, env, store=url), alone), flush=True)
        done = admin(manifest, "/__sandbox/mutator", {"action": "step", "n": args.changes, "seed": 1})
        print(f"mutator: {done.get('done', args.changes)} changes", flush=True)
        unlimited(manifest)
        alone = run_phase("alone-incremental", config, env, since=since)
        print(line("connectors alone, incremental", "-", alone, None), flush=True)
        for name, url in urls.items():
            unlimited(manifest)
            result = run_phase("engine-incremental", config, env, store=url)
            print(line("engine, incremental", name, result, alone), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000, help="accounts in the world (default 200,000)")
    parser.add_argument("--seed", type=int, default=7, help="the world's seed")
    parser.add_argument("--stores", default="sqlite,postgresql", help="stores to sync into")
    parser.add_argument("--changes", type=int, default=1000, help="mutator changes before the incremental runs")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", default="", help=argparse.SUPPRESS)
    parser.add_argument("--since", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        started = time.perf_counter()
        with serve(args.accounts, args.seed, Path(tmp) / "sandbox") as manifest:
            print(f"bench/sync.py: {args.accounts:,} accounts (seed {args.seed}); sandbox ready in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
            bench(args, manifest, Path(tmp))


if __name__ == "__main__":
    main()
