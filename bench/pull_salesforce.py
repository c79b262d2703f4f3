"""Bench: the Salesforce connector's pull rate against the sandbox, next to a raw httpx loop (the ceiling).

    .venv/bin/python bench/pull_salesforce.py [--accounts 200000] [--small 50000] [--objects Account,Opportunity]

Starts the sandbox in its own process (`python -m sandbox serve`), then runs every measurement in a fresh
child process, so CPU seconds (`time.process_time`) and peak RSS (VmHWM) are the client's alone:

- `raw rest` / `raw bulk`: httpx + orjson / csv over the same SOQL the connector sends (ordered by
  SystemModstamp, Id), records counted, nothing converted: the ceiling.
- `connector rest (sdk)`: `connect(...).read()` through simple-salesforce on `requests` (the default).
- `connector rest (httpx)`: the same with `query_path="httpx"` (one keep-alive httpx client, orjson).
- `connector bulk`: Bulk API 2.0 query job, CSV streamed by locator.

Peak RSS of the connector is measured at the small and the large size: it must stay flat (streaming).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench/` holds a `sandbox.py` of its own: import the product from the root

from pydantic import SecretStr  # noqa: E402

from config.models import SalesforceConnection  # noqa: E402
from connectors.base import Window  # noqa: E402
from connectors.salesforce import BulkSettings, connect  # noqa: E402
from connectors.salesforce.soql import select  # noqa: E402

API = "/services/data/v62.0"
PAGE = 2000
BULK_RECORDS = 50_000
MODES = ("raw rest", "connector rest (sdk)", "connector rest (httpx)", "raw bulk", "connector bulk")


# -- the sandbox ------------------------------------------------------------------------------------------


@contextmanager
def serve(accounts: int, seed: int = 7) -> Iterator[tuple[Path, float]]:
    """The sandbox in its own process; yields its manifest path and how long it took to start."""
    with tempfile.TemporaryDirectory(prefix="bench-pull-sf-") as state:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--seed", str(seed), "--accounts", str(accounts),
             "--port-sf", "0", "--port-hs", "0", "--state-dir", state],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip().startswith("Manifest"):
                break
        else:
            raise SystemExit(f"sandbox exited with {proc.wait()} before it was ready")
        try:
            yield Path(state) / "sandbox.json", time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=120)


def _manifest(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _conn(manifest: dict[str, Any]) -> SalesforceConnection:
    creds = manifest["credentials"]
    return SalesforceConnection(
        type="salesforce", login_url=manifest["salesforce"]["base_url"], auth="client_credentials",
        client_id=SecretStr(creds["sf_client_id"]), client_secret=SecretStr(creds["sf_client_secret"]),
        ca_bundle=Path(manifest["ca_path"]),
    )  # fmt: skip


def _lift_quota(manifest: dict[str, Any]) -> None:
    base = manifest["salesforce"]["base_url"]
    with httpx.Client(verify=ssl.create_default_context(cafile=manifest["ca_path"])) as client:
        body = {"action": "set_quota", "params": {"used": 0, "max": 100_000_000}}
        client.post(f"{base}/__sandbox/salesforce/admin", json=body).raise_for_status()


# -- one measurement (in a child process) -----------------------------------------------------------------


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmHWM"].split()[0]) / 1024


def measure(mode: str, obj: str, manifest_path: Path, repeat: int) -> dict[str, Any]:
    """Pull `obj` `repeat` times in `mode`; the fastest run's records, wall and CPU seconds and API calls,
    and the process's peak RSS over all runs."""
    manifest = _manifest(manifest_path)
    rest = mode != "connector bulk"
    bulk = BulkSettings(max_records=BULK_RECORDS, page_size=PAGE)
    query_path: Literal["sdk", "httpx"] = "httpx" if mode == "connector rest (httpx)" else "sdk"
    connector = connect("bench-sf", _conn(manifest), bulk_threshold=10**12 if rest else 1, page_size=PAGE,
                        bulk=bulk, query_path=query_path)  # fmt: skip
    [spec] = connector.streams([obj])
    window = Window(None, datetime.now(UTC))
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        if mode.startswith("raw"):
            soql = select(spec.object, spec.fields, spec.cursor_field, window)
            token = connector.org.token
            raw = raw_rest if mode == "raw rest" else raw_bulk
            records, calls = raw(token.instance_url, token.access_token, manifest["ca_path"], soql)
        else:
            before = connector.quota().calls
            records = sum(len(page.records) for page in connector.read(spec, window))
            calls = connector.quota().calls - before + 2  # + describeGlobal and describe, made before the clock
        runs.append((time.perf_counter() - wall, time.process_time() - cpu, records, calls))
    connector.close()
    wall, cpu, records, calls = min(runs)
    return {"mode": mode, "object": obj, "records": records, "seconds": wall, "cpu": cpu, "calls": calls,
            "peak_rss_mb": _peak_rss_mb()}  # fmt: skip


def raw_rest(instance: str, token: str, ca: str, soql: str) -> tuple[int, int]:
    """queryAll paged by nextRecordsUrl, orjson, records counted: what the wire allows."""
    headers = {"Authorization": f"Bearer {token}", "Sforce-Query-Options": f"batchSize={PAGE}"}
    with httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=300) as client:
        page = client.get(f"{instance}{API}/queryAll/", params={"q": soql}, headers=headers)
        records = calls = 0
        while True:
            page.raise_for_status()
            body = orjson.loads(page.content)
            records, calls = records + len(body["records"]), calls + 1
            if body["done"]:
                return records, calls
            page = client.get(instance + body["nextRecordsUrl"], headers=headers)


def raw_bulk(instance: str, token: str, ca: str, soql: str) -> tuple[int, int]:
    """A queryAll job polled every 50 ms, CSV pages of 50,000 parsed with csv.reader, rows counted."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=300) as client:
        job = client.post(f"{instance}{API}/jobs/query", json={"operation": "queryAll", "query": soql}, headers=auth)
        job.raise_for_status()
        job_id, calls = job.json()["id"], 1
        while client.get(f"{instance}{API}/jobs/query/{job_id}", headers=auth).json()["state"] != "JobComplete":
            calls += 1
            time.sleep(0.05)
        calls += 1
        records, params = 0, {"maxRecords": str(BULK_RECORDS)}
        while True:
            page = client.get(f"{instance}{API}/jobs/query/{job_id}/results", params=params,
                              headers={**auth, "Accept": "text/csv"})  # fmt: skip
            page.raise_for_status()
            records, calls = records + sum(1 for _ in csv.reader(io.StringIO(page.text))) - 1, calls + 1
            if page.headers["Sforce-Locator"] == "null":
                client.delete(f"{instance}{API}/jobs/query/{job_id}", headers=auth)
                return records, calls + 1
            params["locator"] = page.headers["Sforce-Locator"]


# -- the report --------------------------------------------------------------------------------------------


def child(mode: str, obj: str, manifest: Path, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, "--object", obj, "--manifest", str(manifest),
         "--repeat", str(repeat)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{mode} {obj} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def minimum_calls(mode: str, records: int) -> int:
    """Fewest calls possible: the pages, plus describeGlobal, describe and the count (Bulk: create, 1 poll, delete)."""
    if "bulk" in mode:
        return math.ceil(records / BULK_RECORDS) + (3 if mode.startswith("raw") else 6)
    return math.ceil(records / PAGE) + (0 if mode.startswith("raw") else 3)


def report(row: dict[str, Any], ceiling: float | None) -> None:
    rate = row["records"] / row["seconds"]
    versus = f"{rate / ceiling:5.2f}x" if ceiling else "    -"
    cpu = row["cpu"] / max(row["records"], 1) * 100_000
    least = minimum_calls(row["mode"], row["records"])
    print(f"  {row['object']:<12} {row['mode']:<24} {row['records']:>9,} rec {row['seconds']:7.2f} s "
          f"{rate:>9,.0f} rec/s {versus} of raw   calls {row['calls']:>4} (min {least:>4})"
          f"   CPU {cpu:5.2f} s/100k   peak RSS {row['peak_rss_mb']:6.0f} MB", flush=True)  # fmt: skip


def run(size: int, objects: list[str], modes: tuple[str, ...], rounds: int) -> None:
    """Every mode once per round, rounds interleaved in turning order (the machine's load shifts) after an
    untimed warm-up; the fastest run of each mode is kept."""
    with serve(size) as (manifest, ready):
        print(f"\n{size:,} accounts (sandbox ready in {ready:.1f} s)", flush=True)
        _lift_quota(_manifest(manifest))
        for obj in objects:
            child("raw rest", obj, manifest, 1)  # warm-up, untimed: the sandbox's first query of an object is slow
            best: dict[str, dict[str, Any]] = {}
            for n in range(rounds):
                for mode in modes[n % len(modes) :] + modes[: n % len(modes)]:  # a new order each round
                    row = child(mode, obj, manifest, 1)
                    kept = best.get(mode)
                    if kept is None or row["seconds"] < kept["seconds"]:
                        best[mode] = row | {"peak_rss_mb": max(row["peak_rss_mb"], (kept or row)["peak_rss_mb"])}
            for mode in modes:
                kind = "bulk" if "bulk" in mode else "rest"
                raw = best.get(f"raw {kind}")
                ceiling = raw["records"] / raw["seconds"] if raw and not mode.startswith("raw") else None
                report(best[mode], ceiling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000, help="second, smaller size for the RSS comparison")
    parser.add_argument("--objects", default="Account,Opportunity")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of every mode (the fastest is kept)")
    parser.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--object", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.object, args.manifest, args.repeat)))
        return
    objects = args.objects.split(",")
    if args.small and args.small < args.accounts:
        run(args.small, objects[:1], ("connector rest (sdk)", "connector rest (httpx)", "connector bulk"), 1)
    run(args.accounts, objects, MODES, args.rounds)


if __name__ == "__main__":
    main()
