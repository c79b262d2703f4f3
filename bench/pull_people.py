"""Bench: pulling contacts (issue #22) from both CRMs of the sandbox, next to a raw httpx loop (the baseline).

    .venv/bin/python -P bench/pull_people.py [--accounts 110000] [--repeat 3]

Starts the sandbox in its own process (~110,000 accounts: ~200,000 Salesforce contacts, ~165,000 HubSpot ones),
then runs each measurement in a fresh child process, baseline and ours interleaved, so CPU seconds and peak RSS
(VmHWM) are the client's alone:

- `raw sf`: httpx + orjson over `queryAll` of the same SOQL the connector sends; records counted.
- `ours sf`: the Salesforce connector's full read of `Contact` (REST, canonical records).
- `raw hs`: httpx + orjson over the contacts list endpoint (100 a page, same properties), no associations.
- `ours hs`: the HubSpot connector's full read of `contacts`: list pages, each with its v4 company and deal
  associations (two batch reads per 100 contacts), then the archived listing; canonical records.

Each line: records, seconds min/median/max, the ratio ours/raw on medians, API calls against the minimum,
peak RSS and RSS at 25/50/75/100% of the read (flat: pages are dropped as they are counted).
"""

from __future__ import annotations

import argparse
import json
import math
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench/` holds a `sandbox.py` of its own: import the product from the root

from pydantic import SecretStr  # noqa: E402

from config.models import HubSpotConnection, SalesforceConnection  # noqa: E402
from connectors.base import Window  # noqa: E402
from connectors.hubspot import connect as hs_connect  # noqa: E402
from connectors.salesforce import connect as sf_connect  # noqa: E402
from connectors.salesforce.soql import select  # noqa: E402

SF_PAGE = 2000
HS_PAGE = 100
API = "/services/data/v62.0"


@contextmanager
def serve(accounts: int) -> Iterator[Path]:
    """The sandbox in its own process; yields its manifest path."""
    with tempfile.TemporaryDirectory(prefix="bench-people-") as state:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--seed", "7", "--accounts", str(accounts),
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
            yield Path(state) / "sandbox.json"
        finally:
            proc.terminate()
            proc.wait(timeout=120)


def _admin(manifest: dict[str, Any]) -> None:
    """Lift the Salesforce quota and turn HubSpot's rate limits off (we measure the client, not the limits)."""
    ctx = ssl.create_default_context(cafile=manifest["ca_path"])
    with httpx.Client(verify=ctx, timeout=60) as client:
        sf, hs = manifest["salesforce"]["base_url"], manifest["hubspot"]["base_url"]
        client.post(
            f"{sf}/__sandbox/salesforce/admin", json={"action": "set_quota", "params": {"used": 0, "max": 100_000_000}}
        ).raise_for_status()
        client.post(f"{hs}/__sandbox/hubspot/admin",
                    json={"action": "set_limits", "params": {"enabled": False}}).raise_for_status()  # fmt: skip


def _rss() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _sf(manifest: dict[str, Any]) -> Any:
    creds = manifest["credentials"]
    conn = SalesforceConnection(
        type="salesforce", login_url=manifest["salesforce"]["base_url"], auth="client_credentials",
        client_id=SecretStr(creds["sf_client_id"]), client_secret=SecretStr(creds["sf_client_secret"]),
        ca_bundle=Path(manifest["ca_path"]),
    )  # fmt: skip
    return sf_connect("bench-sf", conn, bulk_threshold=10**12, page_size=SF_PAGE)


def _hs(manifest: dict[str, Any]) -> Any:
    token = SecretStr(manifest["credentials"]["hs_token"])
    conn = HubSpotConnection(type="hubspot", base_url=manifest["hubspot"]["base_url"], token=token,
                             ca_bundle=Path(manifest["ca_path"]))  # fmt: skip
    return hs_connect("bench-hs", conn, throttle=False)


def measure(mode: str, manifest_path: Path, expected: int) -> dict[str, Any]:
    """One read in this (child) process: records, wall and CPU seconds, calls, RSS along the way."""
    manifest = json.loads(manifest_path.read_text())
    connector = _sf(manifest) if mode.endswith("sf") else _hs(manifest)
    [spec] = connector.streams(["Contact" if mode.endswith("sf") else "contacts"])
    window = Window(None, datetime.now(UTC))
    samples: list[float] = []
    marks = [expected * q // 4 for q in (1, 2, 3)]
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "raw sf":
        token = connector.org.token
        soql = select(spec.object, spec.fields, spec.cursor_field, window)
        records, calls = _raw_sf(token.instance_url, token.access_token, manifest["ca_path"], soql, marks, samples)
    elif mode == "raw hs":
        records, calls = _raw_hs(manifest, list(spec.fields), marks, samples)
    else:
        before, records = connector.quota().calls, 0
        for page in connector.read(spec, window):
            records += len(page.records)
            while marks and records >= marks[0]:
                marks.pop(0)
                samples.append(_rss()[0])
        calls = connector.quota().calls - before
    seconds, cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    samples.append(_rss()[0])
    connector.close()
    return {"mode": mode, "records": records, "seconds": seconds, "cpu": cpu_s, "calls": calls,
            "rss": samples, "peak_rss_mb": _rss()[1]}  # fmt: skip


def _raw_sf(instance: str, token: str, ca: str, soql: str, marks: list[int], samples: list[float]) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {token}", "Sforce-Query-Options": f"batchSize={SF_PAGE}"}
    with httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=300) as client:
        page = client.get(f"{instance}{API}/queryAll/", params={"q": soql}, headers=headers)
        records = calls = 0
        while True:
            page.raise_for_status()
            body = orjson.loads(page.content)
            records, calls = records + len(body["records"]), calls + 1
            while marks and records >= marks[0]:
                marks.pop(0)
                samples.append(_rss()[0])
            if body["done"]:
                return records, calls
            page = client.get(instance + body["nextRecordsUrl"], headers=headers)


def _raw_hs(manifest: dict[str, Any], properties: list[str], marks: list[int], samples: list[float]) -> tuple[int, int]:
    base, token = manifest["hubspot"]["base_url"], manifest["credentials"]["hs_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(verify=ssl.create_default_context(cafile=manifest["ca_path"]), timeout=300) as client:
        records = calls = 0
        for archived in ("false", "true"):
            after: str | None = None
            while True:
                params = {"limit": str(HS_PAGE), "properties": ",".join(properties), "archived": archived}
                if after:
                    params["after"] = after
                body = orjson.loads(client.get(f"{base}/crm/v3/objects/contacts", params=params,
                                               headers=headers).raise_for_status().content)  # fmt: skip
                records, calls = records + len(body["results"]), calls + 1
                while marks and records >= marks[0]:
                    marks.pop(0)
                    samples.append(_rss()[0])
                after = ((body.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
    return records, calls


def minimum_calls(mode: str, records: int, archived: int) -> int:
    """Fewest calls: SF: pages + describeGlobal, describe (before the clock, not counted) + the count; HS: the
    properties read, live pages, the archived listing (at least one call), and per live page one company and
    one deal association read."""
    if mode == "ours sf":
        return math.ceil(records / SF_PAGE) + 1
    if mode == "raw sf":
        return math.ceil(records / SF_PAGE)
    live = records - archived
    pages = math.ceil(live / HS_PAGE) + max(1, math.ceil(archived / HS_PAGE))
    return pages if mode == "raw hs" else 1 + pages + 2 * math.ceil(live / HS_PAGE)


def child(mode: str, manifest: Path, expected: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-P", __file__, "--measure", mode, "--manifest", str(manifest), "--expected", str(expected)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _counts(manifest_path: Path) -> tuple[int, int, int]:
    """Salesforce contacts (queryAll: deleted ones too), HubSpot live and archived contacts, from the sandbox."""
    manifest = json.loads(manifest_path.read_text())
    ctx = ssl.create_default_context(cafile=manifest["ca_path"])
    with httpx.Client(verify=ctx, timeout=60) as client:
        orgs = client.get(f"{manifest['salesforce']['base_url']}/__sandbox/stats").json()["orgs"]
    hs, sf = orgs["hubspot"]["contacts"], orgs["salesforce"]["objects"]["Contact"]
    return int(sf["live"]) + int(sf["deleted"]), int(hs["live"]), int(hs["archived"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=110_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure")
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--expected", type=int, default=0)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.manifest, args.expected)))
        return
    with serve(args.accounts) as manifest:
        _admin(json.loads(manifest.read_text()))
        sf_total, hs_live, hs_archived = _counts(manifest)
        print(f"sandbox: {args.accounts:,} accounts; Salesforce contacts {sf_total:,}; HubSpot contacts "
              f"{hs_live:,} live, {hs_archived:,} archived; {args.repeat} interleaved runs each")  # fmt: skip
        for crm, expected in (("sf", sf_total), ("hs", hs_live + hs_archived)):
            runs: dict[str, list[dict[str, Any]]] = {"raw": [], "ours": []}
            for _ in range(args.repeat):
                for who in ("raw", "ours"):
                    runs[who].append(child(f"{who} {crm}", manifest, expected))
            base = statistics.median(r["seconds"] for r in runs["raw"])
            for who in ("raw", "ours"):
                rows = runs[who]
                secs = sorted(r["seconds"] for r in rows)
                last = rows[-1]
                minimum = minimum_calls(f"{who} {crm}", last["records"], hs_archived if crm == "hs" else 0)
                ratio = statistics.median(secs) / base if base else float("nan")
                rss = "/".join(f"{v:.0f}" for v in last["rss"])
                spread = f"{secs[0]:.1f}/{statistics.median(secs):.1f}/{secs[-1]:.1f}"
                peak = max(r["peak_rss_mb"] for r in rows)
                head = f"{who} {crm:<3} {last['records']:>9,} rec  s min/med/max {spread}  x{ratio:.2f} of raw"
                tail = f"calls {last['calls']:,} (min {minimum:,})  peak RSS {peak:.0f} MB  RSS 25/50/75/100% {rss} MB"
                print(f"{head}  CPU {last['cpu']:.1f} s  {tail}")


if __name__ == "__main__":
    main()
