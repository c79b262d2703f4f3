"""Every `accountsync` line of the README's ```bash blocks is run as written, so the README cannot drift.

The lines come from the README when the tests are collected (`shown_commands` of tests/test_readme.py): a line
added there is run here. They run in README order, each a subprocess of the venv's `accountsync` in a temporary
folder holding `config/examples/demo.yaml`, against one small sandbox (120 companies, seed 7) and one SQLite
store (`DATABASE_URL`), in the environment `make demo` gives its commands (`demo_env` of scripts/demo.py). Each
must exit 0 and print what its kind of command promises (`CHECKS`); only `run` and `writeback` (never with
`--dry-run`) may write to the CRMs. After `run` writes the scores back, a rep edits an account in the sandbox, so
that the pull, scoring and dry-run write-back which follow have a change to show.
`accountsync serve` runs on a free port until `/healthz` answers, then stops cleanly on SIGTERM.

A README line whose command has no check here, or a placeholder with no value in `PLACEHOLDERS`, fails.
The `make` lines are run elsewhere (`MAKE_TARGETS`).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from config import reference_markdown
from sandbox.server import Sandbox, SandboxConfig
from sandbox.world import WorldSpec
from sync import SyncRun, build_engine, session
from sync.writeback.plan import latest_scores
from tests.test_demo import READ_ONLY_POSTS, base_env
from tests.test_readme import README, resolve, shown_commands

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo.py"
CONFIG = Path("config") / "examples" / "demo.yaml"  # as the README writes it, relative to the working folder
ACCOUNTSYNC = Path(sys.executable).with_name("accountsync")
ACCOUNTS = 120
SEED = 7
JOB = "demo"
COMMANDS = shown_commands("accountsync")
WRITERS = {("run",), ("writeback",)}  # the only commands that may write to the CRMs, and never with --dry-run
MAKE_TARGETS = {
    "demo": "tests/test_demo.py runs scripts/demo.py",
    "test": "CI (.ci/run) is `make test`",
    "test-fast": "a subset of `make test` (the unit lane), which CI runs",
}


@dataclass(frozen=True)
class Ran:
    """One command as it ran: its args (placeholders filled in), exit code, output, and the CRM writes it made."""

    args: list[str]
    code: int
    out: str
    err: str
    writes: list[str]  # "crm METHOD route" of every write call the sandbox saw while it ran

    def tail(self) -> str:
        return f"$ accountsync {shlex.join(self.args)}\n{self.out[-3000:]}\n{self.err[-3000:]}"


@dataclass
class Bench:
    """The working folder, the environment of every command, the sandbox and the store they use."""

    folder: Path
    env: dict[str, str]
    sandbox: Sandbox
    store: Engine
    tokens: dict[str, str] = field(default_factory=dict)  # name -> token printed by `tokens create`
    edited: str | None = None  # the account a rep edited after the write-back (`rep_edits_an_account`)

    def run(self, args: list[str]) -> Ran:
        before = self._write_counts()
        done = subprocess.run([str(ACCOUNTSYNC), *args], cwd=self.folder, env=self.env, capture_output=True,
                              text=True, timeout=180)  # fmt: skip
        writes = self._write_counts() - before
        ran = Ran(args, done.returncode, done.stdout, done.stderr, sorted(writes.elements()))
        with (self.folder / "commands.out").open("a") as log:  # every command's output, to read after a failure
            log.write(f"{ran.tail()}\nexit {ran.code}; CRM writes: {ran.writes}\n\n")
        return ran

    def _write_counts(self) -> Counter[str]:
        """The sandbox's counters of calls that change something (every non-GET but searches, reads, tokens)."""
        routes: dict[str, dict[str, dict[str, int]]] = self.sandbox.log.stats()["routes"]
        return Counter({f"{crm} {route}": r["count"] for crm, seen in routes.items() for route, r in seen.items()
                        if not route.startswith("GET ") and not route.endswith(READ_ONLY_POSTS)})  # fmt: skip

    def rep_edits_an_account(self) -> None:
        """A rep changes the industry of the best-ranked Salesforce account (the demo's industry source): the next
        pull has a change, the next scoring a new score, and a dry-run write-back something it would send."""
        scores = latest_scores(self.store)
        key = min((k for k in scores if k.startswith("sf:")), key=lambda k: scores[k]["rank"])
        record_id = key.removeprefix("sf:")
        industry = self.sandbox.admin("get", "salesforce", object="Account", id=record_id)["Industry"]
        changed = {"Industry": "Retail" if industry == "Technology" else "Technology"}  # both in demo.yaml's ratios
        self.sandbox.admin("update", "salesforce", object="Account", id=record_id, fields=changed)
        self.edited = key

    def best_account(self) -> str:
        """The best-ranked account of the newest scoring run."""
        scores = latest_scores(self.store)
        assert scores, "no scored account yet: a README command using KEY must come after one that scores"
        return min(scores, key=lambda key: scores[key]["rank"])

    def first_run(self) -> str:
        """The id of the store's first run."""
        with session(self.store) as s:
            run = s.exec(select(SyncRun).order_by(col(SyncRun.id)).limit(1)).first()
        assert run is not None, "no run yet: a README command using ID must come after one that runs a job"
        return str(run.id)


# README placeholder -> its real value here. The README's `runs show 1` needs none: run 1 is the first run of a
# fresh store, which the README's `run demo` makes.
PLACEHOLDERS: dict[str, Callable[[Bench], str]] = {
    "JOB": lambda _bench: JOB,
    "KEY": Bench.best_account,
    "ID": Bench.first_run,
}
PLACEHOLDER = re.compile(r"[A-Z][A-Z_]+")


def fill_in(bench: Bench, command: str, args: list[str]) -> list[str]:
    """`args` with each README placeholder replaced by its value; a placeholder with no value fails the test."""
    unknown = [a for a in args if PLACEHOLDER.fullmatch(a) and a not in PLACEHOLDERS]
    if unknown:
        pytest.fail(f"the README shows `{command}`: no value for {unknown} here; add it to PLACEHOLDERS")
    return [PLACEHOLDERS[a](bench) if a in PLACEHOLDERS else a for a in args]


def as_the_demo_does(sandbox: Sandbox) -> dict[str, str]:
    """What scripts/demo.py exports to its commands (the sandbox's URLs, credentials and state dir), after
    writing the usage file the demo job's enrichment reads from the sandbox's world."""
    script = runpy.run_path(str(DEMO), run_name="demo_script")  # a script, not a module: its functions as they are
    script["write_usage"](sandbox.state_dir, argparse.Namespace(seed=SEED, accounts=ACCOUNTS))
    made: dict[str, str] = script["demo_env"](sandbox.runtime.manifest(), sandbox.state_dir)
    return dict(made.items() - os.environ.items())


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    folder = tmp_path_factory.mktemp("readme")
    (folder / CONFIG).parent.mkdir(parents=True)
    shutil.copy(ROOT / CONFIG, folder / CONFIG)
    url = f"sqlite:///{folder / 'store.db'}"
    sandbox = Sandbox(SandboxConfig(world=WorldSpec(seed=SEED, accounts=ACCOUNTS), state_dir=folder / "sandbox"))
    sandbox.start()
    store = build_engine(url)
    try:
        env = base_env(folder) | as_the_demo_does(sandbox) | {"DATABASE_URL": url}
        yield Bench(folder, env, sandbox, store)
    finally:
        store.dispose()
        gc.collect()  # responses kept alive by reference cycles hold sockets open: close them before the stop
        sandbox.stop()


def option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def table_rows(out: str) -> list[list[str]]:
    """The body rows of the rich tables printed (cells stripped), whose first cell is not empty."""
    rows = [[c.strip() for c in line.strip().strip("│").split("│")] for line in out.splitlines() if "│" in line]
    return [row for row in rows if row[0]]


def check_help(_bench: Bench, ran: Ran) -> None:
    for group in ("config", "db", "run", "sync", "enrich", "score", "kpis", "writeback", "runs", "tokens", "serve"):
        assert re.search(rf"│ {group} ", ran.out), (group, ran.out)


def check_validate(bench: Bench, ran: Ran) -> None:
    assert f"{ran.args[-1]}: valid (2 connection(s); jobs: {JOB})" in ran.out
    # "2 with FILE:LINE:COLUMN: key.path: message": the same command on a copy with one bad value
    good, broken = ran.args[-1], str(Path(ran.args[-1]).with_name("broken.yaml"))
    text = (bench.folder / good).read_text()
    assert "api_budget_share: 0.5\n" in text
    (bench.folder / broken).write_text(text.replace("api_budget_share: 0.5\n", "api_budget_share: 5\n"))
    invalid = bench.run([*ran.args[:-1], broken])
    assert invalid.code == 2, invalid.tail()
    assert re.search(rf"^{re.escape(broken)}:\d+:\d+: jobs\[0\]\.api_budget_share: ", invalid.err, re.M), invalid.err


def check_schema(_bench: Bench, ran: Ran) -> None:
    schema = json.loads(ran.out)
    assert {"connections", "jobs", "scoring"} <= set(schema["properties"]), schema.keys()


def check_reference(_bench: Bench, ran: Ran) -> None:
    assert ran.out.strip() == reference_markdown().strip()
    assert ran.out.strip() in README.read_text()  # "the key-by-key reference below"


def check_upgrade(_bench: Bench, ran: Ran) -> None:
    assert re.search(r"^store at revision \w+ \(sqlite\)$", ran.out, re.M), ran.out


def check_run(_bench: Bench, ran: Ran) -> None:
    assert re.search(rf"^run \d+ of job {JOB}: succeeded", ran.out, re.M), ran.out[:4000]
    assert "enrichment: succeeded" in ran.out
    top = int(option(ran.args, "--top", "20"))
    assert f"top {top} accounts as of" in ran.out
    assert re.search(rf"^write-back run \d+ of job {JOB}: succeeded", ran.out, re.M), ran.out[-4000:]
    assert re.search(r"^salesforce\.Account: wrote [\d,]+ record", ran.out, re.M), ran.out[-4000:]
    assert re.search(r"^hubspot\.companies: wrote [\d,]+ record", ran.out, re.M), ran.out[-4000:]


def check_sync(_bench: Bench, ran: Ran) -> None:
    assert re.search(rf"^run \d+ of job {JOB}: succeeded", ran.out, re.M), ran.out[:4000]
    streams = {row[0] for row in table_rows(ran.out) if "." in row[0]}
    objects = [a for flag, a in zip(ran.args, ran.args[1:], strict=False) if flag == "--object"]
    if objects:  # only the objects asked for
        assert {s.split(".", 1)[1] for s in streams} == set(objects), streams
    elif "--account" in ran.args:  # one account's records: the per-account streams (its people included: the
        # demo job pulls them), the account itself read; stages, rates, pipelines, users and owners are not
        per_account = {"salesforce.Account", "salesforce.Opportunity", "salesforce.OpportunityHistory",
                       "salesforce.OpportunityLineItem", "salesforce.Contact", "salesforce.AccountContactRelation",
                       "salesforce.OpportunityContactRole", "salesforce.AccountTeamMember", "hubspot.companies",
                       "hubspot.deals", "hubspot.contacts"}  # fmt: skip
        assert streams, ran.out
        assert streams <= per_account, streams
        assert {"salesforce.Account", "hubspot.companies"} & streams, streams
    else:
        assert {"salesforce.Account", "salesforce.Opportunity", "hubspot.companies", "hubspot.deals"} <= streams


def check_enrich(_bench: Bench, ran: Ran) -> None:
    dry = " (dry run: nothing written)" if "--dry-run" in ran.args else ""
    assert re.search(rf"^enrich run \d+ of job {JOB}: succeeded{re.escape(dry)}$", ran.out, re.M), ran.out
    [usage] = [row for row in ran.out.splitlines() if row.split()[:1] == ["usage"]]
    assert int(usage.split()[3].replace(",", "")) > 0, usage  # rows matched to accounts


def check_score(_bench: Bench, ran: Ran) -> None:
    top = int(option(ran.args, "--top", "20"))
    assert re.search(rf"top {top} accounts as of \d{{4}}-\d\d-\d\d \(computed now; stored scores come from job runs\)",
                     ran.out), ran.out  # fmt: skip
    ranks = [int(row[0]) for row in table_rows(ran.out) if row[0].isdigit()]
    assert ranks == list(range(1, top + 1)), ran.out
    assert re.search(r"│ +(sf|hs):\S+ +│ .+ │ [ABCD] +│", ran.out), ran.out  # key, name, tier


def check_kpis(_bench: Bench, ran: Ran) -> None:
    by = option(ran.args, "--by", "")
    assert (f"KPIs by {by} as of" if by else "portfolio KPIs as of") in ran.out, ran.out
    assert len(table_rows(ran.out)) >= 2, ran.out  # KPIs, or segments (the first column of each row)


def check_writeback(bench: Bench, ran: Ran) -> None:
    title = (
        rf"^write-back plan of job {JOB} \(dry run" if "--dry-run" in ran.args else rf"^write-back run \d+ of job {JOB}"
    )
    assert re.search(title, ran.out, re.M), ran.out
    verb = "would write" if "--dry-run" in ran.args else "wrote"
    written = {}
    for target in ("salesforce.Account", "hubspot.companies"):
        found = re.search(rf"^{target}: {verb} ([\d,]+) record\(s\) in \d+ call\(s\)", ran.out, re.M)
        assert found, ran.out
        written[target] = int(found.group(1).replace(",", ""))
    if "--dry-run" in ran.args:
        assert ran.writes == []  # "sends nothing": the sandbox saw no write call
    if "--dry-run" in ran.args and bench.edited:  # scores come from job runs: the rep's edit pulled and scored
        # by `sync` and `score` since the last job run changes nothing a write-back would send
        assert written == {"salesforce.Account": 0, "hubspot.companies": 0}, ran.out


def check_runs(_bench: Bench, ran: Ran) -> None:
    job = option(ran.args, "--job", "")
    rows = [row for row in table_rows(ran.out) if row[0].isdigit()]  # id, job, kind, status, ...
    assert rows, ran.out
    assert not job or all(row[1] == job for row in rows), ran.out
    assert all(row[3] in ("succeeded", "partial") for row in rows), ran.out


def check_run_shown(_bench: Bench, ran: Ran) -> None:
    run_id = ran.args[-1]
    assert re.search(rf"^run {run_id} job {JOB} \(\w+, \w+\): (succeeded|partial)$", ran.out, re.M), ran.out
    assert re.search(r"^  salesforce\.Account: ", ran.out, re.M), ran.out  # per-stream counts


def check_token(bench: Bench, ran: Ran) -> None:
    name, role = ran.args[2], option(ran.args, "--role", "viewer")
    assert f"token `{name}` ({role}) created" in ran.err
    token = ran.out.strip()
    assert re.fullmatch(r"\S{20,}", token), ran.out
    bench.tokens[name] = token


def check_account(bench: Bench, ran: Ran) -> None:
    key = ran.args[1]
    assert re.search(rf"^{re.escape(key)}  tier [ABCD]  score ", ran.out, re.M), ran.out
    assert "as a rep sees it in salesforce" in ran.out or "as a rep sees it in hubspot" in ran.out, ran.out


# The sub-command -> what to do after it ran, before the next README command.
AFTER: dict[tuple[str, ...], Callable[[Bench], None]] = {("run",): Bench.rep_edits_an_account}

# The sub-command -> what it must print. A README line whose sub-command is not here fails.
CHECKS: dict[tuple[str, ...], Callable[[Bench, Ran], None]] = {
    (): check_help,
    ("config", "validate"): check_validate,
    ("config", "schema"): check_schema,
    ("config", "reference"): check_reference,
    ("db", "upgrade"): check_upgrade,
    ("run",): check_run,
    ("sync",): check_sync,
    ("enrich",): check_enrich,
    ("score",): check_score,
    ("kpis",): check_kpis,
    ("writeback",): check_writeback,
    ("runs",): check_runs,
    ("runs", "show"): check_run_shown,
    ("tokens", "create"): check_token,
    ("account",): check_account,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def healthz(base: str) -> int:
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code
    except httpx.TransportError:  # not listening yet
        return 0


def serve_until_healthy(bench: Bench, args: list[str]) -> None:
    """`accountsync serve` (long-running) on a free port: up until `/healthz` answers, then SIGTERM, exit 0."""
    port = free_port()
    log = bench.folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(ACCOUNTSYNC), *args, "--port", str(port)], cwd=bench.folder, env=bench.env,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while healthz(base) != 200:
            assert proc.poll() is None, f"`accountsync serve` exited {proc.returncode}:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no /healthz in 90 s:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
        assert httpx.get(base + "/", follow_redirects=True).status_code == 200  # the dashboard
        for token in bench.tokens.values():  # the README's token reads the runs through the admin API
            page = httpx.get(f"{base}/api/runs", params={"job": JOB}, headers={"Authorization": f"Bearer {token}"})
            assert page.status_code == 200, page.text
            assert page.json()["total"] > 0, page.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    assert code == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


LONG_RUNNING: dict[tuple[str, ...], Callable[[Bench, list[str]], None]] = {("serve",): serve_until_healthy}


def test_the_readme_shows_the_commands() -> None:
    """An empty list would skip every test below: the extraction must find the README's command lines."""
    assert len(COMMANDS) >= 10, COMMANDS
    assert shown_commands("make")


@pytest.mark.parametrize("command", shown_commands("make"))
def test_every_make_line_in_the_readme_is_run_by_the_demo_test_or_by_ci(command: str) -> None:
    target = command.split()[1]
    assert target in MAKE_TARGETS, f"the README shows `{command}`: say in MAKE_TARGETS which test or CI runs it"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_accountsync_command_in_the_readme_runs_as_documented(bench: Bench, command: str) -> None:
    path, _command_obj, args = resolve(command)
    if path not in CHECKS and path not in LONG_RUNNING:
        pytest.fail(f"the README shows `{command}`, which this test does not know how to run: "
                    f"add `accountsync {' '.join(path)}` to CHECKS (or LONG_RUNNING)")  # fmt: skip
    args = [*path, *fill_in(bench, command, args)]
    if path in LONG_RUNNING:
        LONG_RUNNING[path](bench, args)
        return
    ran = bench.run(args)
    assert ran.code == 0, ran.tail()
    CHECKS[path](bench, ran)
    if path not in WRITERS or "--dry-run" in args:
        assert ran.writes == [], ran.tail()  # reading, scoring, planning: the CRMs are left alone
    if path in AFTER:
        AFTER[path](bench)


# -- day two: the README's "Day two" section, run in a folder of its own -------------------------------------

DAY_TWO = "## Day two"


def day_two_commands() -> list[str]:
    """The lines of the ```sh blocks of the README's day-two section, in order."""
    text = README.read_text()
    section = text[text.index(DAY_TWO) :].split("\n## ", 1)[0]
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S) for line in block.splitlines()
            if line.strip()]  # fmt: skip


def _sandbox_alone(folder: Path, words: list[str]) -> None:
    """`python -m sandbox serve ...` as shown (ports made free ones): it serves the world asked for, whose
    companies the usage file then describes; Ctrl-C saves the CRMs in its state dir."""
    for flag in ("--port-sf", "--port-hs"):
        words[words.index(flag) + 1] = str(free_port())
    state = folder / option(words, "--state-dir", ".sandbox")
    log = folder / "sandbox.out"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, *words[1:]], cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (state / "sandbox.json").exists():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.2)
        manifest = json.loads((state / "sandbox.json").read_text())
        ca = folder / manifest["ca_path"]  # relative to the folder it was started in, as --state-dir was
        with httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=30) as http:
            token = manifest["credentials"]["hs_token"]
            domains: set[str] = set()
            after: str | None = None
            while True:
                page = http.get(f"{manifest['hubspot']['base_url']}/crm/v3/objects/companies",
                                params={"limit": 100, "properties": "domain", **({"after": after} if after else {})},
                                headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
                domains |= {c["properties"].get("domain") for c in page["results"]}
                after = (page.get("paging") or {}).get("next", {}).get("after")
                if not after:
                    break
        (folder / "served-domains.json").write_text(json.dumps(sorted(d for d in domains if d)))
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    assert (state / "org.pickle").exists()  # "Ctrl-C saves the CRMs"


def _usage_file(folder: Path, words: list[str]) -> None:
    """`python -m sandbox usage ...`: a CSV whose domains are the served world's companies (HubSpot's share)."""
    done = subprocess.run([sys.executable, *words[1:]], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with (folder / option(words, "--out", "")).open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert list(rows[0]) == ["domain", "month", "active_users", "licensed_seats"]
    served = set(json.loads((folder / "served-domains.json").read_text()))
    in_file = {row["domain"] for row in rows}
    assert len(in_file & served) >= len(served) // 2, (len(in_file & served), len(served))


def _validate_production(folder: Path, words: list[str]) -> None:
    """`accountsync config validate config/examples/production.yaml`: valid once its files are beside it (made
    here) and its environment variables set; the key missing, the error names the field and the path."""
    config = folder / words[-1]
    config.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / words[-1], config)
    for relative in ("secrets/sf-jwt-key.pem", "ca/corporate-ca.pem", "data/usage.csv"):
        (config.parent / relative).parent.mkdir(parents=True, exist_ok=True)
        (config.parent / relative).write_text("placeholder\n")
    env = {**os.environ, "SF_CLIENT_ID": "3MVG9-consumer-key", "SF_USERNAME": "accountsync@yourcompany.com",
           "SF_INTEGRATION_USER_ID": "005000000000001AAA", "HUBSPOT_TOKEN": "pat-na1-placeholder"}  # fmt: skip
    done = subprocess.run([str(ACCOUNTSYNC), *words[1:]], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{words[-1]}: valid (2 connection(s); jobs: accounts)" in done.stdout
    (config.parent / "secrets/sf-jwt-key.pem").unlink()
    missing = subprocess.run([str(ACCOUNTSYNC), *words[1:]], cwd=folder, env=env, capture_output=True, text=True,
                             timeout=120)  # fmt: skip
    assert missing.returncode == 2
    assert f"connections.salesforce.jwt_key_file: file {config.parent / 'secrets/sf-jwt-key.pem'} does not exist" in (
        missing.stderr
    )


def _compose(_folder: Path, words: list[str]) -> None:
    """`docker compose up` against an org's config (no Docker here): the compose file mounts the folder the
    environment names, requires it, and nothing in it points at the demo or the host's sandbox."""
    assert words[0].startswith("ACCOUNTSYNC_CONFIG_DIR=")
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "${ACCOUNTSYNC_CONFIG_DIR:?" in compose
    assert "ACCOUNTSYNC_CONFIG: /etc/accountsync/${ACCOUNTSYNC_CONFIG_NAME:-accountsync.yaml}" in compose
    assert "demo.yaml" not in compose
    assert ".sandbox" not in compose


DAY_TWO_STEPS: dict[str, Callable[[Path, list[str]], None]] = {
    "python -m sandbox serve": _sandbox_alone,
    "python -m sandbox usage": _usage_file,
    "accountsync config validate": _validate_production,
    "docker compose": _compose,
}


def test_the_day_two_commands_run(tmp_path: Path) -> None:
    commands = day_two_commands()
    assert len(commands) == len(DAY_TWO_STEPS), commands
    for command in commands:
        words = shlex.split(command)
        plain = " ".join(w for w in words if "=" not in w)
        step = next((fn for prefix, fn in DAY_TWO_STEPS.items() if plain.startswith(prefix)), None)
        assert step is not None, f"the README's day two shows `{command}`, which this test does not run"
        step(tmp_path, words)
