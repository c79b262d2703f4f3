"""Bench (issue #21): pull rates and client CPU beside the raw loop, and the 150 ms latency case sequential
vs concurrent, on one sandbox per size.

    .venv/bin/python bench/pull_concurrency.py [--sizes 50000,200000] [--rounds 3] [--latency-rounds 3]
        [--latency-sizes 50000]   # --rounds 0: the latency case alone

Per size, the sandbox runs in its own process (both CRMs); every measurement runs in a fresh child process,
so CPU seconds (`time.process_time`) and peak RSS (VmHWM) are the client's alone. Modes are interleaved, a
new order each round, after one untimed warm-up read; min/median/max over the rounds are printed.

1. Throughput (Salesforce quota lifted, HubSpot limits off): the raw loops (httpx + orjson, or csv; records
   counted, nothing converted; the connector's SOQL and properties, so both read the same bytes) and the
   connectors on the same reads: Salesforce Account by REST in one piece and in concurrent slices, by Bulk
   2.0; HubSpot companies by the list endpoint. Records/s and client CPU per 100k records.
2. Latency: the sandbox's `slow` fault adds 150 ms to every request, HubSpot's limits are ON (190 calls per
   10 s). Salesforce Account (REST, 2,000 a page) and the first 6,000 HubSpot companies (60 list pages):
   the raw loop (sequential), the connector in one piece (Salesforce `pull_concurrency` 1) and concurrent.
   The HubSpot connector picks its full read's endpoint from the round trips it measured (list, or search
   at 200 a page when that is faster: connectors/hubspot/full_read.py); the row says which it used.
   Calls per 10 s against HubSpot's limit, and the 429s the sandbox answered.
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench/` holds a `sandbox.py` of its own: import the product from the root
# `make bench` runs with -P (bench/ is not on sys.path); the sibling bench it reuses is found after the product
sys.path.append(str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
from pull_salesforce import _conn, _lift_quota, _manifest, _peak_rss_mb, raw_bulk, raw_rest, serve  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from config.models import HubSpotConnection  # noqa: E402
from connectors.base import Window  # noqa: E402
from connectors.hubspot import connect as connect_hubspot  # noqa: E402
from connectors.salesforce import BulkSettings, connect  # noqa: E402
from connectors.salesforce.soql import select  # noqa: E402

THROUGHPUT = ("raw sf rest", "sf rest, one piece", "sf rest, 4 slices", "raw sf bulk", "sf bulk", "raw hs list",
              "hs")  # fmt: skip
LATENCY = ("raw sf rest", "sf rest, one piece", "sf rest, 4 slices", "sf rest, 8 slices", "sf rest, 16 slices",
           "raw hs list", "hs")  # fmt: skip
HS_CAP = 6000  # records of the latency case: 60 list pages of 100
SLOW_MS = 150


# -- one measurement (in a child process) -----------------------------------------------------------------


Read = Callable[[], tuple[int, int, int]]  # records, calls, 429s
_used: dict[str, str] = {}  # the endpoint the HubSpot connector's last read took its live records from


def _sf_reader(manifest: dict[str, Any], mode: str) -> tuple[Read, Callable[[], None]]:
    """The read to time (set-up done: login, describeGlobal, describe), and what closes it."""
    concurrency = int(mode.split()[2]) if mode.endswith("slices") else 1
    bulk = mode == "sf bulk"
    # As `accountsync` builds it (sync/connect.py): REST query pages through httpx + orjson.
    sf = connect("bench-sf", _conn(manifest), bulk_threshold=1 if bulk else 10**12, page_size=2000,
                 bulk=BulkSettings(max_records=50_000, page_size=2000), concurrency=concurrency,
                 query_path="httpx")  # fmt: skip
    [spec] = sf.streams(["Account"])
    window = Window(None, datetime.now(UTC))

    def read() -> tuple[int, int, int]:
        before = sf.quota().calls
        if mode.startswith("raw"):
            soql, token = select(spec.object, spec.fields, spec.cursor_field, window), sf.org.token
            raw = raw_rest if mode == "raw sf rest" else raw_bulk
            records, calls = raw(token.instance_url, token.access_token, manifest["ca_path"], soql)
            return records, calls, 0
        if mode.endswith("slices"):
            records = _sliced(sf, spec, window)
        else:
            records = sum(len(p.records) for p in sf.read(spec, window))
        return records, sf.quota().calls - before, 0

    return read, sf.close


def _sliced(sf: Any, spec: Any, window: Window) -> int:
    """What `sync.pull_slices` does, minus the store: the window cut (one to three histogram calls), every
    slice read in a thread of its own."""
    counts: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def read(part: Window) -> None:
        try:
            n = sum(len(p.records) for p in sf.read_slice(spec, part))
        except BaseException as exc:  # a slice that fails fails the measurement, never shortens it
            with lock:
                errors.append(exc)
            return
        with lock:
            counts.append(n)

    threads = [threading.Thread(target=read, args=(part,)) for part in sf.slices(spec, window)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(counts)


def _hs_reader(manifest: dict[str, Any], mode: str, cap: int | None) -> tuple[Read, Callable[[], None]]:
    conn = HubSpotConnection(
        type="hubspot", base_url=manifest["hubspot"]["base_url"], token=SecretStr(manifest["credentials"]["hs_token"]),
        ca_bundle=Path(manifest["ca_path"]),
    )  # fmt: skip
    hs = connect_hubspot("bench-hs", conn, throttle=cap is not None)
    [spec] = hs.streams(["companies"])
    if mode == "raw hs list":  # the same pages as the connector's: its properties asked for
        hs.close()
        return (lambda: _raw_hs_list(manifest, cap, spec.fields)), lambda: None
    hs.describe("companies")  # the read's own properties call, made before the clock as for Salesforce

    def read() -> tuple[int, int, int]:
        records, calls, limited = 0, hs.stats.requests, hs.stats.rate_limited
        for page in hs.read(spec, Window(None, datetime.now(UTC))):
            if page.position.mode == "deleted":
                break
            records += len(page.records)
            if cap is not None and records >= cap:
                break
        _used["path"] = "search" if "search companies" in hs.stats.by_operation else "list"
        return records, hs.stats.requests - calls, hs.stats.rate_limited - limited

    return read, hs.close


def _raw_hs_list(manifest: dict[str, Any], cap: int | None, properties: tuple[str, ...]) -> tuple[int, int, int]:
    """The list pages through plain httpx + orjson, sequentially, records counted (a 429 waits 1 s); the
    connector's properties asked for, so both read the same bytes."""
    token = manifest["credentials"]["hs_token"]
    records = calls = limited = 0
    params: dict[str, str] = {"limit": "100", "properties": ",".join(properties)}
    with httpx.Client(base_url=manifest["hubspot"]["base_url"], timeout=120,
                      verify=ssl.create_default_context(cafile=manifest["ca_path"]),
                      headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
        while True:
            answer = client.get("/crm/v3/objects/companies", params=params)
            calls += 1
            if answer.status_code == 429:
                limited += 1
                time.sleep(1.0)
                continue
            body = orjson.loads(answer.raise_for_status().content)
            records += len(body["results"])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if after is None or (cap is not None and records >= cap):
                return records, calls, limited
            params["after"] = str(after)


def measure(mode: str, manifest_path: Path, cap: int | None) -> dict[str, Any]:
    manifest = _manifest(manifest_path)
    read, close = _hs_reader(manifest, mode, cap) if "hs" in mode else _sf_reader(manifest, mode)
    wall, cpu = time.perf_counter(), time.process_time()
    records, calls, limited = read()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    close()
    return {"mode": mode, "records": records, "seconds": wall, "cpu": cpu, "calls": calls, "limited": limited,
            "rss": _peak_rss_mb(), "path": _used.get("path")}  # fmt: skip


# -- the report --------------------------------------------------------------------------------------------


def child(mode: str, manifest: Path, cap: int | None) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--measure", mode, "--manifest", str(manifest)]
    out = subprocess.run([*argv, "--cap", str(cap)] if cap else argv, capture_output=True, text=True, cwd=ROOT,
                         check=False)  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def rounds(modes: tuple[str, ...], manifest: Path, n: int, cap: int | None) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for k in range(n):
        for mode in modes[k % len(modes) :] + modes[: k % len(modes)]:
            runs[mode].append(child(mode, manifest, cap))
    return runs


def spread(values: list[float], fmt: str) -> str:
    return "/".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _label(name: str, rows: list[dict[str, Any]]) -> str:
    """The mode's name, with the endpoints the HubSpot connector read by when it says."""
    paths = sorted({r["path"] for r in rows if r.get("path")})
    return f"{name} (by {'/'.join(paths)})" if paths else name


def print_throughput(runs: dict[str, list[dict[str, Any]]]) -> None:
    print(f"  {'mode':<20} {'records':>9}  {'records/s min/med/max':>26}  {'vs raw (med)':>12}  "
          f"{'CPU s/100k min/med/max':>22}  {'CPU vs raw':>10}  {'calls':>5}  {'peak RSS MB':>11}")  # fmt: skip
    for name, rows in runs.items():
        raw_mode = _raw_of(name, runs)
        mode = _label(name, rows)
        rates = [r["records"] / r["seconds"] for r in rows]
        cpu = [r["cpu"] / max(1, r["records"]) * 100_000 for r in rows]
        versus = cpu_versus = "-"
        if raw_mode and raw_mode != name:
            raw_rates = [r["records"] / r["seconds"] for r in runs[raw_mode]]
            raw_cpu = [r["cpu"] / max(1, r["records"]) * 100_000 for r in runs[raw_mode]]
            versus = f"{statistics.median(rates) / statistics.median(raw_rates):.2f}x"
            cpu_versus = f"{statistics.median(cpu) / statistics.median(raw_cpu):.2f}x"
        rss = max(r["rss"] for r in rows)
        print(f"  {mode:<20} {rows[0]['records']:>9,}  {spread(rates, ',.0f'):>26}  {versus:>12}  "
              f"{spread(cpu, '.2f'):>22}  {cpu_versus:>10}  {rows[0]['calls']:>5}  {rss:>11.0f}")  # fmt: skip


def _raw_of(mode: str, runs: dict[str, Any]) -> str | None:
    kind = "sf bulk" if "bulk" in mode else ("sf rest" if "sf" in mode else "hs list")
    found = f"raw {kind}"
    return found if found in runs else None


def print_latency(runs: dict[str, list[dict[str, Any]]], limit: int) -> None:
    print(f"  {'mode':<24} {'records':>7}  {'seconds min/med/max':>22}  {'vs one piece':>12}  {'calls':>5}  "
          f"{'calls/10 s (med)':>16}  {'429s':>4}  {'peak RSS MB':>11}")  # fmt: skip
    for name, rows in runs.items():
        mode = _label(name, rows)
        seconds = [r["seconds"] for r in rows]
        base = runs.get("sf rest, one piece" if "sf" in name else "raw hs list")
        versus = f"{statistics.median(b['seconds'] for b in base) / statistics.median(seconds):.2f}x" if base else "-"
        per10 = statistics.median(r["calls"] / r["seconds"] * 10 for r in rows)
        of_limit = f" ({per10 / limit:.0%} of {limit})" if "hs" in mode else ""
        print(f"  {mode:<24} {rows[0]['records']:>7,}  {spread(seconds, '.2f'):>22}  {versus:>12}  "
              f"{rows[0]['calls']:>5}  {per10:>7.0f}{of_limit:<14}  {sum(r['limited'] for r in rows):>4}  "
              f"{max(r['rss'] for r in rows):>11.0f}")  # fmt: skip


def admin(manifest: dict[str, Any], path: str, body: dict[str, Any], method: str = "POST") -> None:
    base = manifest["salesforce"]["base_url"]
    with httpx.Client(verify=ssl.create_default_context(cafile=manifest["ca_path"]), timeout=60) as client:
        client.request(method, f"{base}{path}", json=body).raise_for_status()


def size(accounts: int, n: int, latency_rounds: int) -> None:
    with serve(accounts) as (manifest_path, ready):
        manifest = _manifest(manifest_path)
        print(f"\n{accounts:,} accounts (sandbox ready in {ready:.0f} s)", flush=True)
        _lift_quota(manifest)
        admin(manifest, "/__sandbox/hubspot/admin", {"action": "set_limits", "params": {"enabled": False}})
        for mode in ("raw sf rest", "raw hs list"):
            child(mode, manifest_path, None)  # warm-up, untimed: the sandbox's first read of an object is slow
        if n:
            print("throughput (Salesforce Account, HubSpot companies; limits off):", flush=True)
            print_throughput(rounds(THROUGHPUT, manifest_path, n, None))
        if not latency_rounds:
            return
        admin(manifest, "/__sandbox/hubspot/admin", {"action": "set_limits", "params": {"enabled": True}})
        rules = [{"crm": crm, "kind": "slow", "ms": SLOW_MS} for crm in ("salesforce", "hubspot")]
        admin(manifest, "/__sandbox/faults", {"rules": rules})
        time.sleep(10)  # HubSpot's 10-second window empties
        print(f"latency {SLOW_MS} ms a request (HubSpot limits on; the first {HS_CAP:,} companies):", flush=True)
        print_latency(rounds(LATENCY, manifest_path, latency_rounds, HS_CAP), 190)
        admin(manifest, "/__sandbox/faults", {}, method="DELETE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-rounds", type=int, default=3, help="latency rounds at --latency-sizes")
    parser.add_argument("--latency-sizes", default="", help="sizes with a latency case (default: the first)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cap", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.manifest, args.cap)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with_latency = {int(s) for s in args.latency_sizes.split(",") if s} or {sizes[0]}
    for accounts in sizes:
        size(accounts, args.rounds, args.latency_rounds if accounts in with_latency else 0)


if __name__ == "__main__":
    main()
