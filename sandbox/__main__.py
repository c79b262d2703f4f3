"""`python -m sandbox` / `crm-sandbox`: serve the local CRMs, or talk to a running sandbox's admin routes.

crm-sandbox serve [--org FILE | --seed N --accounts N] [--port-sf P --port-hs P] [--bind HOST]
                  [--sf-host NAME] [--hs-host NAME] [--state-dir DIR] [--request-log FILE]
crm-sandbox fault add --crm hubspot --kind rate_limit [--policy SECONDLY] [--count 3] ... [--state-dir DIR]
crm-sandbox fault list|clear [--state-dir DIR]
crm-sandbox stats [--reset] [--state-dir DIR]
crm-sandbox usage --out FILE [--org FILE | --seed N --accounts N]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from sandbox.errors import SandboxError
from sandbox.persist import load_state
from sandbox.runtime import SandboxConfig
from sandbox.server import MANIFEST, Sandbox
from sandbox.tls import client_context
from sandbox.usage_file import write_usage_file
from sandbox.world import WorldSpec

__all__ = ["main"]

_DEFAULT_STATE = Path(".sandbox")


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the local Salesforce and HubSpot over HTTPS")
    p.add_argument("--org", type=Path, help="load a persisted org state file instead of generating one")
    p.add_argument("--seed", type=int, default=7, help="world seed (default 7)")
    p.add_argument("--accounts", type=int, default=1_000, help="companies in the world (default 1000)")
    p.add_argument("--port-sf", type=int, default=8443, help="Salesforce port (0: any free port)")
    p.add_argument("--port-hs", type=int, default=8444, help="HubSpot port (0: any free port)")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--sf-host", default="127.0.0.1", help="host name in Salesforce URLs and the certificate")
    p.add_argument("--hs-host", default="127.0.0.1", help="host name in HubSpot URLs and the certificate")
    p.add_argument(
        "--state-dir", type=Path, default=_DEFAULT_STATE, help="CA, keys, sandbox.json; org saved here on exit"
    )
    p.add_argument("--request-log", type=Path, help="append every request to this JSONL file")
    p.add_argument("--fault-seed", type=int, default=0, help="seed of the fault plan")


def _client_parsers(sub: Any) -> None:
    fault = sub.add_parser("fault", help="add, list or clear fault rules of a running sandbox")
    fault.add_argument("action", choices=("add", "list", "clear"))
    fault.add_argument("--crm", choices=("salesforce", "hubspot"))
    fault.add_argument("--kind", choices=("status", "rate_limit", "session_expiry", "quota", "slow", "drop",
                                          "server_unavailable"))  # fmt: skip
    fault.add_argument("--code", type=int)
    fault.add_argument("--policy", choices=("TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"))
    fault.add_argument("--ms", type=int)
    fault.add_argument("--method")
    fault.add_argument("--path", help="path prefix (or regex with --regex)")
    fault.add_argument("--regex", action="store_true")
    fault.add_argument("--count", type=int)
    fault.add_argument("--probability", type=float)
    fault.add_argument("--after", type=int)
    fault.add_argument("--message")
    stats = sub.add_parser("stats", help="print a running sandbox's request counters")
    stats.add_argument("--reset", action="store_true", help="zero the counters after printing")
    for p in (fault, stats):
        p.add_argument("--state-dir", type=Path, default=_DEFAULT_STATE, help="where the sandbox wrote sandbox.json")


def _usage_parser(sub: Any) -> None:
    p = sub.add_parser("usage", help="write a world's monthly product usage as CSV (an enrichment usage file)")
    p.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    p.add_argument("--org", type=Path, help="the world of a persisted org state file (e.g. .sandbox/org.pickle)")
    p.add_argument("--seed", type=int, default=7, help="world seed (default 7), as given to serve")
    p.add_argument("--accounts", type=int, default=1_000, help="companies in the world (default 1000), as to serve")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-sandbox", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _client_parsers(sub)
    _usage_parser(sub)
    return parser


def _usage(args: argparse.Namespace) -> dict[str, Any]:
    spec = load_state(args.org).spec if args.org else WorldSpec(seed=args.seed, accounts=args.accounts)
    if spec is None:
        raise SandboxError(f"{args.org} holds no world spec: give --seed and --accounts instead")
    return {"file": str(args.out), "rows": write_usage_file(spec, args.out)}


def _banner(sb: Sandbox) -> str:
    creds = sb.credentials
    return "\n".join(
        [
            "crm-sandbox is serving (Ctrl-C to stop)",
            f"  Salesforce login + instance URL  {sb.sf_url}",
            f"  HubSpot API host                 {sb.hs_url}",
            f"  CA bundle                        {sb.ca_path}",
            f"  Salesforce client id             {creds.sf_client_id}",
            f"  Salesforce client secret         {creds.sf_client_secret}",
            f"  Salesforce JWT private key       {creds.sf_private_key_path}",
            f"  Salesforce username              {creds.sf_username}",
            f"  HubSpot private-app token        {creds.hs_token}",
            f"  Manifest                         {sb.state_dir / MANIFEST}",
        ]
    )


def serve(args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM; save the orgs into the state dir on the way out."""
    config = SandboxConfig(
        bind=args.bind, sf_port=args.port_sf, hs_port=args.port_hs, sf_host=args.sf_host, hs_host=args.hs_host,
        world=WorldSpec(seed=args.seed, accounts=args.accounts), org_file=args.org, state_dir=args.state_dir,
        request_log=args.request_log, seed=args.fault_seed, persist_on_exit=True,
    )  # fmt: skip
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    with Sandbox(config) as sb:
        print(_banner(sb), flush=True)
        while not stop.wait(0.5):
            pass
        print("crm-sandbox stopping", flush=True)
    return 0


def _admin_call(state_dir: Path, method: str, path: str, body: Any = None) -> Any:
    manifest = json.loads((state_dir / MANIFEST).read_text(encoding="utf-8"))
    url = manifest["salesforce"]["base_url"] + path
    with httpx.Client(verify=client_context(manifest["ca_path"]), timeout=30) as client:
        response = client.request(method, url, json=body)
    response.raise_for_status()
    return response.json()


def _fault(args: argparse.Namespace) -> Any:
    if args.action == "list":
        return _admin_call(args.state_dir, "GET", "/__sandbox/faults")
    if args.action == "clear":
        return _admin_call(args.state_dir, "DELETE", "/__sandbox/faults")
    fields = ("crm", "kind", "code", "policy", "ms", "method", "path", "count", "probability", "after", "message")
    rule = {name: getattr(args, name) for name in fields if getattr(args, name) is not None}
    if args.regex:
        rule["regex"] = True
    return _admin_call(args.state_dir, "POST", "/__sandbox/faults", {"rules": [rule]})


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (`crm-sandbox`)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "fault":
            result = _fault(args)
        elif args.command == "usage":
            result = _usage(args)
        else:
            result = _admin_call(args.state_dir, "GET", "/__sandbox/stats")
            if args.reset:
                _admin_call(args.state_dir, "POST", "/__sandbox/stats/reset")
    except (SandboxError, httpx.HTTPError, OSError) as exc:
        print(f"crm-sandbox: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
