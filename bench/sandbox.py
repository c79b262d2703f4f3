"""Bench: records a second the sandbox serves, and the sandbox process's peak memory.

    .venv/bin/python bench/sandbox.py [--accounts 200000] [--memory-accounts 1000000] [--skip-memory]

Runs `python -m sandbox serve` as its own process (so its RSS is the sandbox's alone), then pulls with a
raw httpx loop (bodies read and records counted, nothing stored): Salesforce REST `queryAll` paging by
`nextRecordsUrl` at batchSize 2000, Bulk 2.0 CSV by locator, HubSpot list paging and search paging in
keyset windows of 10,000. Then serves a 1,000,000-account world and reports its RSS.
"""

from __future__ import annotations

import argparse
import json
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]  # run the server from here: this file's name shadows the package
API = "/services/data/v62.0"
ACCOUNT_SOQL = (
    "SELECT Id, Name, Website, Industry, NumberOfEmployees, AnnualRevenue, BillingCountry, OwnerId, ParentId, "
    "Type, CurrencyIsoCode, SystemModstamp, IsDeleted, MasterRecordId FROM Account"
)
HS_PROPS = "name,domain,industry,numberofemployees,annualrevenue,country,hubspot_owner_id,hs_lastmodifieddate"


@dataclass(frozen=True, slots=True)
class Served:
    proc: subprocess.Popen[str]
    manifest: dict[str, Any]
    ready_s: float


@contextmanager
def serve(accounts: int, seed: int = 7) -> Iterator[Served]:
    """Start the sandbox in its own process and wait for its banner."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as state:
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
        ready = time.perf_counter() - started
        try:
            yield Served(proc, json.loads((Path(state) / "sandbox.json").read_text()), ready)
        finally:
            proc.terminate()
            proc.wait(timeout=120)


def client_context(ca_path: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_path)


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def admin(client: httpx.Client, base: str, crm: str, action: str, **params: Any) -> None:
    client.post(f"{base}/__sandbox/{crm}/admin", json={"action": action, "params": params}).raise_for_status()


def sf_token(client: httpx.Client, served: Served) -> tuple[str, str]:
    creds, base = served.manifest["credentials"], served.manifest["salesforce"]["base_url"]
    form = {"grant_type": "client_credentials", "client_id": creds["sf_client_id"],
            "client_secret": creds["sf_client_secret"]}  # fmt: skip
    answer = client.post(f"{base}/services/oauth2/token", data=form)
    answer.raise_for_status()
    body = answer.json()
    return body["instance_url"], body["access_token"]


def sf_rest(client: httpx.Client, instance: str, token: str) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {token}", "Sforce-Query-Options": "batchSize=2000"}
    page = client.get(f"{instance}{API}/queryAll/", params={"q": ACCOUNT_SOQL}, headers=headers)
    records = pages = 0
    while True:
        page.raise_for_status()
        body = orjson.loads(page.content)
        records, pages = records + len(body["records"]), pages + 1
        if body["done"]:
            return records, pages
        page = client.get(instance + body["nextRecordsUrl"], headers=headers)


def sf_bulk(client: httpx.Client, instance: str, token: str) -> tuple[int, int]:
    auth = {"Authorization": f"Bearer {token}"}
    job = client.post(f"{instance}{API}/jobs/query", json={"operation": "query", "query": ACCOUNT_SOQL}, headers=auth)
    job.raise_for_status()
    job_id = job.json()["id"]
    while (state := client.get(f"{instance}{API}/jobs/query/{job_id}", headers=auth).json()["state"]) != "JobComplete":
        if state in ("Failed", "Aborted"):
            raise SystemExit(f"bulk job {job_id} {state}")
        time.sleep(0.1)
    records = pages = 0
    params: dict[str, str] = {"maxRecords": "50000"}
    while True:
        page = client.get(f"{instance}{API}/jobs/query/{job_id}/results", params=params,
                          headers={**auth, "Accept": "text/csv"})  # fmt: skip
        page.raise_for_status()
        counted = page.content.count(b"\n") - 1  # names carry no newlines; the header says the same
        assert counted == int(page.headers["Sforce-NumberOfRecords"]), (counted, page.headers)
        records, pages = records + counted, pages + 1
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            return records, pages
        params["locator"] = locator


def hs_list(client: httpx.Client, base: str, token: str) -> tuple[int, int]:
    params = {"limit": "100", "properties": HS_PROPS, "archived": "false"}
    records = pages = 0
    while True:
        page = client.get(
            f"{base}/crm/v3/objects/companies", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        page.raise_for_status()
        body = orjson.loads(page.content)
        records, pages = records + len(body["results"]), pages + 1
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            return records, pages
        params["after"] = after


def hs_search(client: httpx.Client, base: str, token: str) -> tuple[int, int]:
    """All companies by search, in keyset windows of 10,000 (hs_object_id > the last id seen)."""
    records = pages = 0
    last = "0"
    while True:
        after, window = "0", 0
        while True:
            body = _search_page(client, base, token, last, after)
            records, pages, window = records + len(body["results"]), pages + 1, window + len(body["results"])
            if body["results"]:
                newest = body["results"][-1]["id"]
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after or int(after) >= 10_000:
                break
        if window < 10_000:
            return records, pages
        last = newest


def _search_page(client: httpx.Client, base: str, token: str, last: str, after: str) -> Any:
    query = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": last}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": HS_PROPS.split(","), "limit": 200, "after": after,
    }  # fmt: skip
    page = client.post(
        f"{base}/crm/v3/objects/companies/search", json=query, headers={"Authorization": f"Bearer {token}"}
    )
    page.raise_for_status()
    return orjson.loads(page.content)


def timed(label: str, pull: Callable[[], tuple[int, int]], pid: int) -> None:
    started = time.perf_counter()
    records, pages = pull()
    seconds = time.perf_counter() - started
    rss, peak = memory_mb(pid)
    print(f"  {label:<48} {records:>9,} records {pages:>6,} pages {seconds:7.2f} s "
          f"{records / seconds:>10,.0f} records/s   RSS {rss:,.0f} MB (peak {peak:,.0f})", flush=True)  # fmt: skip


def throughput(accounts: int) -> None:
    with serve(accounts) as served, httpx.Client(verify=client_context(served.manifest["ca_path"]), timeout=300) as c:
        pid, rss = served.proc.pid, memory_mb(served.proc.pid)
        print(f"{accounts:,} accounts: ready in {served.ready_s:.1f} s, RSS {rss[0]:,.0f} MB (peak {rss[1]:,.0f})")
        sf_base, hs_base = served.manifest["salesforce"]["base_url"], served.manifest["hubspot"]["base_url"]
        admin(c, sf_base, "salesforce", "set_quota", used=0, max=100_000_000)
        admin(c, sf_base, "hubspot", "set_limits", enabled=False)
        instance, token = sf_token(c, served)
        hs_token = served.manifest["credentials"]["hs_token"]
        timed("salesforce REST queryAll Account (batchSize 2000)", lambda: sf_rest(c, instance, token), pid)
        timed("salesforce Bulk 2.0 query Account (CSV, 50,000)", lambda: sf_bulk(c, instance, token), pid)
        timed("hubspot list companies (limit 100)", lambda: hs_list(c, hs_base, hs_token), pid)
        timed("hubspot search companies (200, keyset windows)", lambda: hs_search(c, hs_base, hs_token), pid)


def memory(accounts: int) -> None:
    with serve(accounts) as served, httpx.Client(verify=client_context(served.manifest["ca_path"]), timeout=300) as c:
        rss, peak = memory_mb(served.proc.pid)
        print(f"{accounts:,} accounts: ready in {served.ready_s:.1f} s, RSS {rss:,.0f} MB (peak {peak:,.0f})")
        stats = c.get(served.manifest["salesforce"]["base_url"] + "/__sandbox/stats").json()
        print("  orgs:", json.dumps(stats["orgs"]))
        admin(c, served.manifest["salesforce"]["base_url"], "salesforce", "set_quota", used=0, max=100_000_000)
        instance, token = sf_token(c, served)
        timed("salesforce REST queryAll Account (batchSize 2000)", lambda: sf_rest(c, instance, token), served.proc.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--memory-accounts", type=int, default=1_000_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    if not args.skip_throughput:
        throughput(args.accounts)
    if not args.skip_memory:
        memory(args.memory_accounts)


if __name__ == "__main__":
    main()
