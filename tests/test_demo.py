"""`make demo` without the dashboard: `scripts/demo.py --no-serve`, run twice on a small world on free ports with
a store in a temporary folder, exactly as `make demo` runs it otherwise (the sandbox as a child process, its
state saved on exit and loaded by the next run, `config/examples/demo.yaml`).

What the rep sees in each CRM (read back by `accountsync account KEY --json`) is what the run printed; the
second run loads the saved CRMs, pulls only what changed and makes zero write calls; nothing is left running.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from config import load_deployment
from sandbox.server import Sandbox, SandboxConfig
from sandbox.world import WorldSpec
from sync import Account, SyncOptions, build_engine, run_pipeline, session, upgrade
from tests.shown import shown_score

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo.py"
CONFIG = ROOT / "config" / "examples" / "demo.yaml"
ACCOUNTSYNC = Path(sys.executable).with_name("accountsync")
ACCOUNTS = 120
NOW = datetime(2026, 11, 1, tzinfo=UTC)
READ_ONLY_POSTS = ("/search", "/batch/read", "/oauth2/token", "/jobs/query")


@dataclass(frozen=True)
class DemoRun:
    """What one `scripts/demo.py --no-serve` printed, and what its sandbox saw."""

    code: int
    out: str
    requests: list[dict[str, Any]]  # the sandbox's request log of this run
    sandbox_pid: int

    def status(self, what: str) -> str:
        """`run` (the pull), `write-back run` or `enrichment`: the status the run printed."""
        prefix = r"^enrichment" if what == "enrichment" else rf"^{what} \d+ of job demo"
        found = re.search(prefix + r": (\w+)", self.out, re.M)
        assert found, self.out
        return found.group(1)

    def top(self) -> list[dict[str, str]]:
        """The ranked table's rows: rank, key, name, tier, score as printed."""
        table = self.out.split("top 20 accounts as of", 1)[1].split("└", 1)[0]
        rows = []
        for line in table.splitlines():
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if cells[0].isdigit():
                rows.append(dict(zip(("rank", "key", "name", "tier", "score"), cells, strict=False)))
        return rows

    def shown_account(self) -> str:
        """The account the demo showed as a rep sees it in each CRM."""
        found = re.search(r"== 4\. (\S+) as a rep sees it", self.out)
        assert found, self.out
        return found.group(1)

    def streams(self) -> dict[str, int]:
        """Records read per stream, from the run's table."""
        return {name: int(cells[0].replace(",", "")) for name, cells in self.stream_rows().items()}

    def stream_rows(self) -> dict[str, list[str]]:
        """Each stream's row of the run's table: read, inserted, updated, deleted, as printed."""
        rows = re.findall(r"^│ ((?:salesforce|hubspot)\.\w+) +│ +([\d,]+) │ +([\d,-]+) │ +([\d,-]+) │ +([\d,-]+) │",
                          self.out, re.M)  # fmt: skip
        return {name: list(cells) for name, *cells in rows}

    def write_calls(self) -> list[str]:
        """The CRM requests that change something (every non-GET but searches, batch reads, token, query jobs)."""
        return [f"{r['crm']} {r['method']} {r['path']}" for r in self.requests if not r["admin"]
                and r["method"] != "GET" and not r["path"].rstrip("/").endswith(READ_ONLY_POSTS)]  # fmt: skip


@dataclass(frozen=True)
class Demo:
    folder: Path
    env: dict[str, str]
    first: DemoRun
    second: DemoRun

    @property
    def state(self) -> Path:
        return self.folder / "sandbox"


def base_env(folder: Path) -> dict[str, str]:
    """This machine's environment without our settings: the store is SQLite in `folder`, the tables wide."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCOUNTSYNC_", "DATABASE_URL"))}
    return env | {"ACCOUNTSYNC_STATE_DIR": str(folder / "store"), "COLUMNS": "250"}


def run_demo(folder: Path, env: dict[str, str], n: int, config: Path = CONFIG, accounts: int = ACCOUNTS) -> DemoRun:
    log = folder / f"requests-{n}.jsonl"
    args = ["--no-serve", "--accounts", str(accounts), "--seed", "7", "--port-sf", "0", "--port-hs", "0",
            "--state-dir", str(folder / "sandbox"), "--request-log", str(log), "--config", str(config)]  # fmt: skip
    done = subprocess.run([sys.executable, str(DEMO), *args], env=env, capture_output=True, text=True, timeout=240)
    (folder / f"demo-{n}.out").write_text(done.stdout + done.stderr)
    requests = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    manifest = json.loads((folder / "sandbox" / "sandbox.json").read_text())
    return DemoRun(done.returncode, done.stdout + done.stderr, requests, manifest["pid"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    env = base_env(folder)
    return Demo(folder, env, run_demo(folder, env, 1), run_demo(folder, env, 2))


@pytest.fixture(scope="module")
def crms(demo: Demo) -> Iterator[dict[str, str]]:
    """The CRMs as the demo saved them, served again: the environment `accountsync account` needs to reach them."""
    sb = Sandbox(SandboxConfig(org_file=demo.state / "org.pickle", state_dir=demo.state)).start()
    creds = sb.credentials
    yield demo.env | {
        "ACCOUNTSYNC_SF_LOGIN_URL": sb.sf_url, "ACCOUNTSYNC_HS_BASE_URL": sb.hs_url, "SF_CLIENT_ID": creds.sf_client_id,
        "SF_USERNAME": creds.sf_username, "HUBSPOT_TOKEN": creds.hs_token, "ACCOUNTSYNC_SANDBOX_DIR": str(demo.state),
    }  # fmt: skip
    gc.collect()
    sb.stop()


def read_back(env: dict[str, str], key: str) -> dict[str, Any]:
    """`accountsync account KEY --json`: our score, and each CRM record's written fields."""
    done = subprocess.run([str(ACCOUNTSYNC), "account", key, "--json", "-c", str(CONFIG)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def as_the_rep_sees_it(env: dict[str, str], data: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Per connection: (tier, score, rank) from its written fields, as the run would print them."""
    job = load_deployment(CONFIG, env).jobs[0]
    fields = {target.connection: target.fields for target in job.writeback}
    seen = {}
    for view in data["crm"]:
        names, values = fields[view["connection"]], view["fields"]
        score, rank = float(values[names["score"]]), int(float(values[names["rank"]]))
        seen[view["connection"]] = (str(values[names["tier"]]), f"{score:,.1f}", str(rank))
    return seen


def test_the_demo_runs_the_whole_job_and_saves_the_crms(demo: Demo) -> None:
    assert demo.first.code == 0, demo.first.out[-3000:]
    assert "generating a demo org" in demo.first.out
    assert "loading the CRMs saved in" in demo.second.out  # the second run reloads what the first one wrote
    assert (demo.state / "org.pickle").exists()
    assert demo.first.status("enrichment") == "succeeded"
    assert demo.first.status("write-back run") == "succeeded"
    assert len(demo.first.top()) == 20
    assert demo.first.status("run") == "succeeded", demo.first.out[:4000]


@pytest.fixture(scope="module")
def read_backs(demo: Demo, crms: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`accountsync account KEY --json` of the two best-ranked accounts and of the one the demo showed."""
    keys = dict.fromkeys([row["key"] for row in demo.second.top()[:2]] + [demo.second.shown_account()])
    return {key: read_back(crms, key) for key in keys}


def test_what_the_rep_sees_in_each_crm_is_what_the_demo_printed(
    demo: Demo, crms: dict[str, str], read_backs: dict[str, dict[str, Any]]
) -> None:
    for row in demo.second.top()[:2]:
        data = read_backs[row["key"]]
        assert (data["score"]["tier"], shown_score(data["score"]["score"])) == (row["tier"], row["score"])
        seen = as_the_rep_sees_it(crms, data)
        assert seen, row
        assert set(seen.values()) == {(row["tier"], row["score"], row["rank"])}, (row, data)


def test_the_account_the_demo_shows_is_a_ranked_one_found_in_both_crms(
    demo: Demo, crms: dict[str, str], read_backs: dict[str, dict[str, Any]]
) -> None:
    key = demo.second.shown_account()
    [row] = [r for r in demo.second.top() if r["key"] == key]
    seen = as_the_rep_sees_it(crms, read_backs[key])
    assert seen == dict.fromkeys(("salesforce", "hubspot"), (row["tier"], row["score"], row["rank"]))


def test_a_second_demo_run_makes_zero_write_calls(demo: Demo) -> None:
    assert demo.second.code == 0, demo.second.out[-3000:]
    assert len(demo.first.write_calls()) > 0  # the first run wrote every score: the log sees writes
    assert demo.second.write_calls() == []
    assert demo.second.out.count("wrote 0 record(s) in 0 call(s)") == 2


def test_a_second_demo_run_pulls_only_what_the_first_one_wrote(demo: Demo) -> None:
    read = demo.second.streams()
    assert read["salesforce.Opportunity"] == read["hubspot.deals"] == 0  # nothing changed there
    written = re.findall(r"^(salesforce\.Account|hubspot\.companies): wrote ([\d,]+) record", demo.first.out, re.M)
    for stream, records in written:  # our own write-back moved these records' modstamps
        assert read[stream] <= int(records.replace(",", "")), (stream, read)
    assert "reconciliation:" not in demo.second.out, demo.second.out[:4000]
    # Owners are read whole every run: read again as stored, they are not "updated"; stage history cannot tell
    # its inserts from its updates and says so.
    assert demo.second.stream_rows()["hubspot.owners"] == ["20", "0", "0", "0"]
    assert demo.first.stream_rows()["salesforce.OpportunityHistory"][1:3] == ["-", "-"]


def test_the_demo_leaves_nothing_running(demo: Demo) -> None:
    for pid in (demo.first.sandbox_pid, demo.second.sandbox_pid):
        assert not Path(f"/proc/{pid}").exists()


def industries(engine: Engine) -> dict[str, str | None]:
    """Each live account's industry in the store."""
    with session(engine) as s:
        return {a.key: a.industry for a in s.exec(select(Account).where(col(Account.deleted_at).is_(None)))}


def test_most_recent_precedence_does_not_follow_our_own_write_back(tmp_path: Path) -> None:
    """`industry: most_recent` (the demo's first config): writing the scores back moves both CRM records'
    modstamps, the one written last becomes the 'most recent', and its CRM's spelling of the industry
    (HubSpot `COMPUTER_SOFTWARE`, Salesforce `Technology`) replaces the other, though nobody edited an industry:
    scores that depend on the industry move, and a rerun with no change in either CRM writes again."""
    config = tmp_path / "most_recent.yaml"
    text = CONFIG.read_text().replace("      industry: salesforce\n", "      industry: most_recent\n")
    config.write_text(text.replace("    enrich: [usage]\n", ""))
    engine = build_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    with Sandbox(SandboxConfig(world=WorldSpec(seed=7, accounts=80, now=NOW))) as sb:
        env = {"ACCOUNTSYNC_SF_LOGIN_URL": sb.sf_url, "ACCOUNTSYNC_HS_BASE_URL": sb.hs_url,
               "SF_CLIENT_ID": sb.credentials.sf_client_id, "SF_USERNAME": sb.credentials.sf_username,
               "HUBSPOT_TOKEN": sb.credentials.hs_token, "ACCOUNTSYNC_SANDBOX_DIR": str(sb.state_dir)}  # fmt: skip
        deployment = load_deployment(config, env)
        first = run_pipeline(deployment, "demo", engine=engine, as_of=NOW.date(), options=SyncOptions(trigger="test"))
        assert first.writeback is not None
        assert first.writeback.status == "succeeded"
        before = industries(engine)
        second = run_pipeline(deployment, "demo", engine=engine, as_of=NOW.date(), options=SyncOptions(trigger="test"))
        after = industries(engine)
        engine.dispose()
        gc.collect()  # responses kept alive by reference cycles hold sockets open: close them before the stop
    changed = {key: (before[key], after[key]) for key in before if before[key] != after.get(key)}
    assert changed == {}
    assert second.writeback is not None
    assert [target["sent"]["records"] for target in second.writeback.targets] == [0, 0]
