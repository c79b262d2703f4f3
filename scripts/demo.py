"""`make demo`: the product tour, from a fresh clone to the dashboard.

Starts the local CRM sandbox as a child process (`crm-sandbox serve`; its state is saved in the state dir on
exit and loaded again next time), exports its demo credentials into the variables `config/examples/demo.yaml`
references, migrates the store, runs the demo job (`accountsync run demo`: pull, identity, enrichment,
scoring, write-back, the top accounts and the KPI line), shows the top-ranked account found in both CRMs as
a rep sees it in each (`accountsync account KEY`), creates an admin token and serves the dashboard
(`accountsync serve`) until Ctrl-C, which stops everything this script started.

    .venv/bin/python scripts/demo.py [--accounts 3000] [--seed 7] [--state-dir .sandbox] [--no-serve] ...

The product never imports `sandbox`; this script does, for one thing only: writing the world's product usage
(`sandbox.world.usage`) as the CSV the demo job's enrichment reads, since the sandbox has no command for it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's bin: accountsync and crm-sandbox live next to its python
ACCOUNTSYNC = str(BIN / "accountsync")
CRM_SANDBOX = str(BIN / "crm-sandbox")
JOB = "demo"
SAVED_ORGS = "org.pickle"  # what `crm-sandbox serve` saves into its state dir on exit
PIDFILE = "demo-pids.json"  # the sandbox and dashboard this demo started, until it stops them
USAGE_FILE = "usage.csv"  # demo.yaml's `enrichment.usage.file`, under the sandbox's state dir
STOP_SECONDS = {"accountsync serve": 45.0, "crm-sandbox": 120.0}  # the sandbox pickles its orgs on the way out


class DemoError(Exception):
    """A step failed: one line for the user, the demo stops what it started."""


class Interrupted(BaseException):
    """Ctrl-C (SIGINT), SIGTERM or SIGHUP."""


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def say(text: str = "") -> None:
    print(text, flush=True)


def step(text: str) -> None:
    say(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


@dataclass
class Children:
    """The processes the demo started, each in its own session: Ctrl-C reaches only the demo, which stops them
    in reverse order (the dashboard before the CRMs), each with one SIGINT and time to save its state. The
    long-running ones are listed in `pidfile`, so that a demo killed outright is cleaned up by the next one."""

    pidfile: Path
    running: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, args: Sequence[str], env: dict[str, str], stdout: IO[bytes] | int | None = None,
              stderr: int | None = None) -> subprocess.Popen[bytes]:  # fmt: skip
        proc = subprocess.Popen(list(args), env=env, stdout=stdout, stderr=stderr, cwd=ROOT, start_new_session=True)
        self.running.append((name, proc))
        if name in STOP_SECONDS:
            self.pidfile.write_text(json.dumps({n: p.pid for n, p in self.running if n in STOP_SECONDS}))
        return proc

    def forget(self, proc: subprocess.Popen[bytes]) -> None:
        self.running = [(n, p) for n, p in self.running if p is not proc]

    def stop_all(self) -> None:
        for name, proc in reversed(self.running):
            if proc.poll() is None:
                say(f"stopping {name} (pid {proc.pid})")
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=STOP_SECONDS.get(name, 30.0))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in time: killing it")
                proc.kill()
                proc.wait()
        self.running.clear()
        self.pidfile.unlink(missing_ok=True)


def run_cli(children: Children, env: dict[str, str], *args: str, capture: bool = False) -> tuple[int, str]:
    """`accountsync ARGS` in the foreground (its output on ours, or captured); (exit code, captured stdout)."""
    stdout = subprocess.PIPE if capture else None
    proc = children.start(f"accountsync {args[0]}", [ACCOUNTSYNC, *args], env, stdout=stdout)
    out = proc.communicate()[0] if capture else None
    proc.wait()
    children.forget(proc)
    return proc.returncode, (out or b"").decode()


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _get(url: str, context: ssl.SSLContext | None = None) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310 - our own URL
            return int(response.status)
    except (urllib.error.URLError, OSError):
        return 0


def stop_leftovers(pidfile: Path) -> None:
    """Stop what a demo killed outright left running (its pidfile names them; Linux: checked in /proc), so that
    the ports are free and the sandbox saves its state for this run."""
    recorded: dict[str, int] = json.loads(pidfile.read_text()) if pidfile.exists() else {}
    for name, pid in reversed(list(recorded.items())):
        try:
            args = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
        except OSError:
            continue
        program, *command = name.split()
        if any(Path(a).name == program for a in args[:2]) and all(c in args for c in command):
            say(f"stopping the {name} an earlier demo left running (pid {pid})")
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + STOP_SECONDS[name]
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
    pidfile.unlink(missing_ok=True)


def start_sandbox(opts: argparse.Namespace, children: Children) -> dict[str, Any]:
    """Start `crm-sandbox serve` (the saved orgs when there are, else a fresh world); its manifest once it answers."""
    state: Path = opts.state_dir
    saved = state / SAVED_ORGS
    world = ["--org", str(saved)] if saved.exists() else ["--accounts", str(opts.accounts), "--seed", str(opts.seed)]
    ports = ["--port-sf", str(opts.port_sf), "--port-hs", str(opts.port_hs)]
    extra = ["--request-log", str(opts.request_log)] if opts.request_log else []
    say(f"loading the CRMs saved in {saved}" if saved.exists()
        else f"generating a demo org: {opts.accounts:,} companies, seed {opts.seed}")  # fmt: skip
    log_path = state / "sandbox.log"
    with log_path.open("wb") as log:
        proc = children.start("crm-sandbox", [CRM_SANDBOX, "serve", "--state-dir", str(state), *world, *ports, *extra],
                              os.environ.copy(), stdout=log)  # fmt: skip
    manifest = _wait_for_sandbox(proc, state / "sandbox.json", log_path)
    say(log_path.read_text().strip())
    return manifest


def _wait_for_sandbox(proc: subprocess.Popen[bytes], manifest_path: Path, log_path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"the sandbox stopped (exit {proc.returncode}):\n{_tail(log_path)}\n"
                            "(a port in use: --port-sf/--port-hs pick others; "
                            "a saved state it cannot load: `make clean` starts over)")  # fmt: skip
        try:
            manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        except (OSError, ValueError):  # not written yet, or half written
            manifest = {}
        if manifest.get("pid") == proc.pid and "serving" in log_path.read_text(errors="replace"):
            context = ssl.create_default_context(cafile=manifest["ca_path"])
            if _get(manifest["salesforce"]["base_url"] + "/__sandbox/info", context) == 200:
                return manifest
        time.sleep(0.1)
    raise DemoError(f"the sandbox did not answer within 120 s:\n{_tail(log_path)}")


def demo_env(manifest: dict[str, Any], state: Path) -> dict[str, str]:
    """The environment of every `accountsync` command: the sandbox's URLs and credentials, as demo.yaml reads them."""
    creds = manifest["credentials"]
    return os.environ | {
        "ACCOUNTSYNC_SF_LOGIN_URL": manifest["salesforce"]["base_url"],
        "ACCOUNTSYNC_HS_BASE_URL": manifest["hubspot"]["base_url"],
        "SF_CLIENT_ID": creds["sf_client_id"],
        "SF_USERNAME": creds["sf_username"],
        "HUBSPOT_TOKEN": creds["hs_token"],
        "ACCOUNTSYNC_SANDBOX_DIR": str(state.resolve()),  # jwt key, CA bundle and usage file
    }


def write_usage(state: Path, opts: argparse.Namespace) -> None:
    """The world's monthly product usage per company domain, as the demo job's enrichment reads it (once)."""
    path = state / USAGE_FILE
    if path.exists():
        return
    from sandbox.persist import load_state  # the demo's data, never the product's
    from sandbox.usage_file import write_usage_file
    from sandbox.world import WorldSpec

    saved = state / SAVED_ORGS
    spec = load_state(saved).spec if saved.exists() else WorldSpec(seed=opts.seed, accounts=opts.accounts)
    if spec is None:
        say(f"no world spec in {saved}: no usage file, the job scores without product usage")
        return
    write_usage_file(spec, path)
    say(f"wrote the world's product usage to {path}")


BEST_IN_BOTH_CRMS = """
SELECT s.account_key, COUNT(DISTINCT r.crm) FROM account_score s
JOIN source_account r ON r.account_key = s.account_key AND r.deleted_at IS NULL
WHERE s.scoring_run_id = (SELECT MAX(id) FROM scoring_run)
GROUP BY s.account_key, s.rank ORDER BY s.rank LIMIT 500
"""


def top_account_in_both_crms() -> str | None:
    """The best-ranked account of the newest scoring run with a live record in both CRMs (else the best one).

    Plain SQL on the store, so that the demo does not pay for importing `sync` (polars, the SDKs) once more.
    """
    from sqlalchemy import create_engine, text

    from config import load_settings

    url = load_settings().store_url()
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # as sync.store.engine does
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(BEST_IN_BOTH_CRMS)).all()
    finally:
        engine.dispose()
    both = [str(key) for key, crms in rows if crms > 1]
    return both[0] if both else (str(rows[0][0]) if rows else None)


def run_tour(opts: argparse.Namespace, children: Children) -> dict[str, str]:
    """Sandbox, store, the demo job and one account from both CRMs; the environment the dashboard needs."""
    step("1. the CRM sandbox (a local Salesforce + HubSpot; printing its demo credentials is expected)")
    manifest = start_sandbox(opts, children)
    env = demo_env(manifest, opts.state_dir)
    write_usage(opts.state_dir, opts)
    step("2. the store")
    if run_cli(children, env, "db", "upgrade")[0] != 0:
        raise DemoError("`accountsync db upgrade` failed")
    step(f"3. the demo job: pull both CRMs, identity, enrichment, scoring, write-back (top {opts.top})")
    if run_cli(children, env, "run", JOB, "-c", str(opts.config), "--top", str(opts.top))[0] != 0:
        raise DemoError(f"`accountsync run {JOB}` failed (`accountsync runs --job {JOB}` shows why)")
    key = top_account_in_both_crms()
    if key is None:
        raise DemoError("no account was scored")
    step(f"4. {key} as a rep sees it in each CRM (the written fields, read back through the CRM APIs)")
    if run_cli(children, env, "account", key, "-c", str(opts.config))[0] != 0:
        raise DemoError(f"`accountsync account {key}` failed")
    return env


def serve(opts: argparse.Namespace, children: Children, env: dict[str, str], started: float) -> None:
    """An admin token, then `accountsync serve` until it stops or Ctrl-C."""
    step("5. the dashboard")
    name = "demo-admin-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    code, token = run_cli(children, env, "tokens", "create", name, "--role", "admin", capture=True)
    if code != 0:
        raise DemoError("`accountsync tokens create` failed")
    from config import load_settings

    log_path = load_settings().state_dir / "serve.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    args = ["serve", "-c", str(opts.config), "--host", opts.host, "--port", str(opts.port)]
    with log_path.open("ab") as log:
        proc = children.start("accountsync serve", [ACCOUNTSYNC, *args], env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{opts.host}:{opts.port}"
    while _get(base + "/healthz") != 200:
        if proc.poll() is not None:
            raise DemoError(f"`accountsync serve` stopped (exit {proc.returncode}; port {opts.port} in use?):\n"
                            f"{_tail(log_path)}")  # fmt: skip
        time.sleep(0.2)
    say(f"dashboard    {base}/   (sign in with the admin token)")
    say(f"admin token  {token.strip()}   (`{name}`, shown once)")
    say(f"admin API    {base}/docs    health {base}/healthz    logs {log_path}")
    say(f"ready in {time.monotonic() - started:.0f} s. Ctrl-C stops the dashboard and the sandbox.")
    proc.wait()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scripts/demo.py", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--accounts", type=int, default=3000, help="companies in a fresh demo world (default 3000)")
    p.add_argument("--seed", type=int, default=7, help="world seed (default 7)")
    p.add_argument("--state-dir", type=Path, default=ROOT / ".sandbox", help="the sandbox's state (default .sandbox)")
    p.add_argument("--port-sf", type=int, default=8443, help="Salesforce port, as demo.yaml says (0: any free one)")
    p.add_argument("--port-hs", type=int, default=8444, help="HubSpot port, as demo.yaml says (0: any free one)")
    p.add_argument("--request-log", type=Path, help="the sandbox appends every request to this JSONL file")
    p.add_argument("--config", "-c", type=Path, default=ROOT / "config" / "examples" / "demo.yaml")
    p.add_argument("--top", type=int, default=20, help="ranked accounts to show (default 20)")
    p.add_argument("--host", default="127.0.0.1", help="dashboard address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="dashboard port (default 8000)")
    p.add_argument("--no-serve", action="store_true", help="stop after the tour: no token, no dashboard")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The tour; whatever happens, the processes it started are stopped before it returns."""
    opts = _parser().parse_args(argv)
    opts.state_dir.mkdir(parents=True, exist_ok=True)
    stop_leftovers(opts.state_dir / PIDFILE)
    started, children = time.monotonic(), Children(opts.state_dir / PIDFILE)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    code = 0
    try:
        env = run_tour(opts, children)
        if not opts.no_serve:
            serve(opts, children, env, started)
    except DemoError as exc:
        say(f"demo: {exc}")
        code = 1
    except Interrupted as exc:
        say(f"\n{exc}: stopping the demo")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        children.stop_all()
    say(f"stopped; the CRMs are saved in {opts.state_dir / SAVED_ORGS}" if code == 0 else "stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
