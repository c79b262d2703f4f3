"""`python -m sandbox serve` as a real process: prints how to reach it, answers, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.tls import client_context

Served = tuple[subprocess.Popen[str], dict[str, str], Path]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sandbox", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    state = tmp_path_factory.mktemp("state")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--seed", "7", "--accounts", "50", "--port-sf", "0",
         "--port-hs", "0", "--state-dir", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    printed: dict[str, str] = {}
    for line in proc.stdout:
        match = re.match(r"\s+(.+?)\s{2,}(\S+)$", line)
        if match:
            printed[match.group(1)] = match.group(2)
        if line.strip().startswith("Manifest"):
            break
    yield proc, printed, state
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)  # drain and close the pipes


def test_serve_prints_urls_ca_and_demo_credentials(served: Served) -> None:
    _, printed, state = served
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", printed["Salesforce login + instance URL"])
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", printed["HubSpot API host"])
    assert printed["CA bundle"] == str(state / "ca.pem")
    assert printed["Salesforce client id"].startswith("3MVG9")
    assert Path(printed["Salesforce JWT private key"]).is_file()
    assert printed["HubSpot private-app token"].startswith("pat-na1-")
    manifest = json.loads((state / "sandbox.json").read_text())
    assert manifest["salesforce"]["base_url"] == printed["Salesforce login + instance URL"]


def test_the_served_sandbox_answers_over_https(served: Served) -> None:
    _, printed, _ = served
    url = printed["HubSpot API host"] + "/__sandbox/info"
    assert httpx.get(url, verify=client_context(printed["CA bundle"])).status_code == 200


def test_fault_and_stats_commands_talk_to_the_running_sandbox(served: Served) -> None:
    _, _, state = served
    added = _run("fault", "add", "--crm", "hubspot", "--kind", "rate_limit", "--policy", "SECONDLY",
                 "--count", "2", "--state-dir", str(state))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["rules"][0]["policy"] == "SECONDLY"
    listed = json.loads(_run("fault", "list", "--state-dir", str(state)).stdout)
    assert len(listed["rules"]) == 1
    assert json.loads(_run("fault", "clear", "--state-dir", str(state)).stdout)["rules"] == []
    stats = _run("stats", "--state-dir", str(state))
    assert stats.returncode == 0, stats.stderr
    assert set(json.loads(stats.stdout)["orgs"]) == {"salesforce", "hubspot"}


def test_sigterm_stops_cleanly_and_saves_the_orgs(served: Served) -> None:
    proc, _, state = served
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert (state / "org.pickle").is_file()


def test_a_command_without_a_running_sandbox_fails_with_a_message(tmp_path: Path) -> None:
    result = _run("stats", "--state-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("crm-sandbox:")
