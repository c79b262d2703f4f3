"""Benchmark of the HubSpot pull against a sandbox this script starts (in a child process).

    python bench/pull_hubspot.py                   # 200,000 companies, ~900,000 deals
    python bench/pull_hubspot.py --companies 20000 # a quick run

Runs, each reported as records, seconds, records/s, API calls vs the minimum, 429s, client CPU per
100,000 records and RSS sampled along the way (to show it stays flat):

1. limits OFF, throttle off: full companies, full deals (with associations and stage history), and an
   incremental companies window through search;
2. limits ON (190 / 10 s, search 5 / s), throttle on: the same, each stream capped (`--cap-on`);
3. the ceiling: a raw httpx loop over the same list and search pages (no SDK, no conversion);
4. the generated client's model deserialisation vs `_preload_content=False` + orjson on the same pages.

The sandbox runs in another process, so the CPU measured here is the client's alone.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from config.models import HubSpotConnection
from connectors.base import Page, StreamSpec, Window
from connectors.hubspot import HubSpotConnector, connect
from connectors.hubspot.convert import RecordConverter
from connectors.hubspot.reader import LIST_PAGE, SEARCH_PAGE

NOW = datetime(2026, 11, 1, tzinfo=UTC)


# ---- the sandbox, in a child process -----------------------------------------------------------
def serve(state_dir: Path, companies: int, deals_per_company: float) -> None:
    """Child process: run the sandbox until stdin closes."""
    from sandbox.runtime import SandboxConfig
    from sandbox.server import Sandbox
    from sandbox.world import WorldSpec

    world = WorldSpec(seed=11, accounts=companies, now=NOW, both_share=0.0, hubspot_only_share=1.0,
                      deals_per_account=deals_per_company)  # fmt: skip
    with Sandbox(SandboxConfig(world=world, state_dir=state_dir)):
        print("READY", flush=True)
        sys.stdin.read()


@dataclass
class Child:
    """The sandbox child process, its manifest and an admin client."""

    process: subprocess.Popen[str]
    manifest: dict[str, Any]
    admin: httpx.Client

    def set_limits(self, enabled: bool) -> dict[str, Any]:
        """Turn HubSpot's rate limits on or off in the sandbox."""
        body = {"action": "set_limits", "params": {"enabled": enabled}}
        return dict(self.admin.post("/__sandbox/hubspot/admin", json=body).raise_for_status().json())

    def stats(self) -> dict[str, Any]:
        """The sandbox's request counters and org snapshot."""
        return dict(self.admin.get("/__sandbox/stats").raise_for_status().json())

    def stop(self) -> None:
        """Stop the child (closing its stdin) and wait for it."""
        self.admin.close()
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=120)


def start_child(companies: int, deals_per_company: float, state_dir: Path) -> Child:
    """Start the sandbox in a child process and wait until it serves."""
    # -P: bench/ must not lead sys.path (bench/sandbox.py would shadow the sandbox package).
    args = [sys.executable, "-P", __file__, "--serve", str(state_dir), "--companies", str(companies),
            "--deals-per-company", str(deals_per_company)]  # fmt: skip
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "READY":
        raise SystemExit(f"the sandbox did not start: {line!r}")
    manifest = json.loads((state_dir / "sandbox.json").read_text())
    admin = httpx.Client(base_url=manifest["hubspot"]["base_url"], verify=manifest["ca_path"], timeout=120)
    return Child(process, manifest, admin)


# ---- measuring ---------------------------------------------------------------------------------
def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    """What one measured run did."""

    name: str
    records: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    minimum: int = 0
    rate_limited: int = 0
    rss: list[float] = field(default_factory=list)

    def line(self) -> str:
        """The run as one report line."""
        rate = self.records / self.seconds if self.seconds else 0.0
        cpu_100k = self.cpu / self.records * 100_000 if self.records else 0.0
        rss = "/".join(f"{r:.0f}" for r in self.rss)
        return (f"{self.name:<44} {self.records:>9,} rec {self.seconds:>8.1f} s {rate:>8,.0f} rec/s  "
                f"calls {self.calls:>6,} (min {self.minimum:>6,})  429s {self.rate_limited:>3}  "
                f"CPU/100k {cpu_100k:>6.1f} s  RSS MB {rss}")  # fmt: skip


def measure(name: str, pages: Iterator[Page], hs: HubSpotConnector, cap: int | None,
            minimum: Callable[[int, int], int], archived_total: int) -> Run:  # fmt: skip
    """Consume pages (dropping them: memory must stay flat), up to `cap` records.

    The minimum counts the pages the records read need, plus the whole archived listing once it was
    reached (it has no filter: every archived record is listed), plus the one properties read."""
    run = Run(name)
    calls0, limited0 = hs.stats.requests, hs.stats.rate_limited
    wall0, cpu0 = time.perf_counter(), time.process_time()
    live, reached_archived = 0, False
    for n, page in enumerate(pages):
        run.records += len(page.records)
        if page.position.mode == "deleted":
            reached_archived = True
        else:
            live += len(page.records)
        if n % 200 == 0:
            run.rss.append(rss_mb())
        if cap is not None and run.records >= cap:
            break
    run.seconds = time.perf_counter() - wall0
    run.cpu = time.process_time() - cpu0
    run.rss.append(rss_mb())
    run.calls = hs.stats.requests - calls0
    run.rate_limited = hs.stats.rate_limited - limited0
    run.minimum = minimum(live, archived_total if reached_archived else 0)
    return run


def pages_of(n: int, size: int) -> int:
    """Pages needed for n records (at least one call)."""
    return max(1, math.ceil(n / size))


def _archived_pages(archived: int) -> int:
    return pages_of(archived, LIST_PAGE) if archived else 0


def list_minimum(live: int, archived: int) -> int:
    """Fewest calls for a full list read: properties, live pages, archived pages."""
    return 1 + pages_of(live, LIST_PAGE) + _archived_pages(archived)


def deals_minimum(live: int, archived: int) -> int:
    """Fewest calls for a full deals read: a list read plus one association and one history call a page."""
    return list_minimum(live, archived) + 2 * pages_of(live, 100)  # + associations and histories


def search_minimum(live: int, archived: int) -> int:
    """Fewest calls for a window: properties, search pages, archived pages."""
    return 1 + pages_of(live, SEARCH_PAGE) + _archived_pages(archived)


def connector_for(child: Child, throttle: bool) -> HubSpotConnector:
    """A connector on the child sandbox, as a user would configure it."""
    conn = HubSpotConnection(
        type="hubspot",
        base_url=child.manifest["hubspot"]["base_url"],
        token=SecretStr(child.manifest["credentials"]["hs_token"]),
        ca_bundle=Path(child.manifest["ca_path"]),
    )
    return connect("bench", conn, throttle=throttle)


def stream_runs(child: Child, label: str, throttle: bool, cap: int | None, window: Window) -> list[Run]:
    """Full companies, full deals and a companies window through one connector."""
    counts = child.stats()["orgs"]["hubspot"]
    gone = {obj: counts[obj]["archived"] for obj in ("companies", "deals")}
    runs = []
    with connector_for(child, throttle) as hs:
        specs = {s.name: s for s in hs.streams(["companies", "deals"])}
        everything = Window(None, NOW)
        companies, deals = specs["companies"], specs["deals"]
        runs.append(measure(f"{label} companies full (list)", hs.read(companies, everything), hs, cap,
                            list_minimum, gone["companies"]))  # fmt: skip
        runs.append(measure(f"{label} deals full (+assoc +history)", hs.read(deals, everything), hs, cap,
                            deals_minimum, gone["deals"]))  # fmt: skip
        runs.append(measure(f"{label} companies window (search)", hs.read(companies, window), hs, cap,
                            search_minimum, gone["companies"]))  # fmt: skip
    return runs


# ---- the ceiling: raw httpx over the same pages ------------------------------------------------
def raw_list(client: httpx.Client, obj: str, properties: tuple[str, ...], cap: int | None) -> Run:
    """The same list pages through plain httpx + orjson: the ceiling."""
    run = Run(f"raw httpx {obj} list pages")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("limit", str(LIST_PAGE)),
        *(("properties", p) for p in properties),
    ]
    after: str | None = None
    while True:
        query = [*params, ("after", after)] if after else params
        body = orjson.loads(client.get(f"/crm/v3/objects/{obj}", params=query).raise_for_status().content)
        run.calls += 1
        run.records += len(body["results"])
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if after is None or (cap is not None and run.records >= cap):
            break
    run.seconds, run.cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    run.minimum, run.rss = pages_of(run.records, LIST_PAGE), [rss_mb()]
    return run


def raw_search(client: httpx.Client, spec: StreamSpec, window: Window, cap: int | None) -> Run:
    """The same search pages (keyset on hs_object_id) through plain httpx + orjson."""
    run = Run("raw httpx companies search pages")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    assert window.start is not None
    lo, hi = int(window.start.timestamp() * 1000), int(window.end.timestamp() * 1000)
    last = 0
    while True:
        filters = [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(lo)},
                   {"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": str(hi)},
                   {"propertyName": "hs_object_id", "operator": "GT", "value": str(last)}]  # fmt: skip
        request = {"filterGroups": [{"filters": filters}], "properties": list(spec.fields), "limit": SEARCH_PAGE,
                   "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}], "after": "0"}  # fmt: skip
        body = orjson.loads(client.post("/crm/v3/objects/companies/search", json=request).raise_for_status().content)
        run.calls += 1
        run.records += len(body["results"])
        if not body["results"] or not body.get("paging") or (cap is not None and run.records >= cap):
            break
        last = int(body["results"][-1]["id"])
    run.seconds, run.cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    run.minimum, run.rss = pages_of(run.records, SEARCH_PAGE), [rss_mb()]
    return run


# ---- model deserialisation vs raw JSON -----------------------------------------------------------
def _cpu_ms_per_call(calls: int, call: Callable[[], object]) -> float:
    cpu0 = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - cpu0) / calls * 1000


def model_cost(child: Child, spec: StreamSpec, calls: int) -> list[str]:
    """Client CPU per page: the SDK's models vs `_preload_content=False` + orjson, on the same pages, and
    what our conversion adds to the raw path."""
    with connector_for(child, throttle=False) as hs:
        basic, search = hs.apis.objects, hs.apis.search
        props = list(spec.fields)
        body = {
            "limit": 200,
            "properties": props,
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        }
        converter = RecordConverter({name: info.type for name, info in hs.describe("companies").fields.items()})
        raw_page = orjson.loads(basic.get_page("companies", limit=100, properties=props, _preload_content=False).data)

        def list_models() -> object:
            return basic.get_page("companies", limit=100, properties=props)

        def list_raw() -> object:
            return orjson.loads(basic.get_page("companies", limit=100, properties=props, _preload_content=False).data)

        def search_models() -> object:
            return search.do_search("companies", body)

        def search_raw() -> object:
            return orjson.loads(search.do_search("companies", body, _preload_content=False).data)

        def convert() -> object:
            return [converter.convert(raw) for raw in raw_page["results"]]

        rows = [
            ("list page of 100, SDK models", _cpu_ms_per_call(calls, list_models)),
            ("list page of 100, raw + orjson", _cpu_ms_per_call(calls, list_raw)),
            ("search page of 200, SDK models", _cpu_ms_per_call(calls, search_models)),
            ("search page of 200, raw + orjson", _cpu_ms_per_call(calls, search_raw)),
            ("our conversion of 100 records", _cpu_ms_per_call(calls, convert)),
        ]
        return [f"  {label:<34} {ms:7.2f} ms client CPU" for label, ms in rows]


# ---- main --------------------------------------------------------------------------------------
def main() -> None:
    """Start the sandbox child, run everything, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200_000, help="companies in HubSpot (default 200,000)")
    parser.add_argument("--deals-per-company", type=float, default=4.5, help="world deals budget (~1.0x deals)")
    parser.add_argument("--cap-on", type=int, default=30_000, help="records per stream with limits on")
    parser.add_argument("--window-days", type=int, default=60, help="incremental window: the last N days")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.companies, args.deals_per_company)
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="bench-hs-") as tmp:
        started = time.perf_counter()
        child = start_child(args.companies, args.deals_per_company, Path(tmp))
        try:
            report(child, args, time.perf_counter() - started)
        finally:
            child.stop()


def report(child: Child, args: argparse.Namespace, startup: float) -> None:
    """Run every measurement and print it."""
    counts = child.stats()["orgs"]["hubspot"]
    print(f"sandbox: {counts['companies']['live']:,} live companies, {counts['deals']['live']:,} live deals, "
          f"started in {startup:.0f} s; client pid {os.getpid()}, {os.cpu_count()} CPUs")  # fmt: skip
    window = Window(NOW - timedelta(days=args.window_days), NOW)
    child.set_limits(False)
    runs = stream_runs(child, "limits off, throttle off:", False, None, window)
    child.set_limits(True)
    before = child.stats()["statuses"].get("hubspot", {}).get("429", 0)
    time.sleep(10)  # let the sandbox's 10-second window empty
    runs += stream_runs(child, "limits ON,  throttle on: ", True, args.cap_on, window)
    server_429 = child.stats()["statuses"].get("hubspot", {}).get("429", 0) - before
    child.set_limits(False)
    with connector_for(child, throttle=False) as hs:
        spec = hs.streams(["companies"])[0]
        deal_fields = hs.streams(["deals"])[0].fields
    token = child.manifest["credentials"]["hs_token"]
    base_url, ca = child.manifest["hubspot"]["base_url"], child.manifest["ca_path"]
    with httpx.Client(
        base_url=base_url, verify=ca, timeout=120, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        runs.append(raw_list(client, "companies", spec.fields, None))
        runs.append(raw_list(client, "deals", deal_fields, None))
        runs.append(raw_search(client, spec, window, None))
    for run in runs:
        print(run.line())
    print(f"429s counted by the sandbox during the limits-ON runs: {server_429}")
    print(f"peak RSS of the client: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("model deserialisation vs raw JSON (50 calls each, limits off):")
    for line in model_cost(child, spec, 50):
        print(line)


if __name__ == "__main__":
    main()
