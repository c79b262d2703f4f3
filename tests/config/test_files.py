"""`config validate` (and every command that connects) checks each file the config names: the JWT key, the CA
bundles and the enrichment files must exist and be readable; the error names the config file, line, field and
path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigInvalid, load_deployment

CONFIG = """version: 1
connections:
  sf:
    type: salesforce
    login_url: https://login.salesforce.com
    auth: jwt
    client_id: ${{SF_CLIENT_ID}}
    username: integration@example.com
    jwt_key_file: {key}
    ca_bundle: {ca}
  hs:
    type: hubspot
    token: ${{HUBSPOT_TOKEN}}
    ca_bundle: {ca}
jobs:
  - name: nightly
    sources:
      - connection: sf
        objects: [Account]
    enrich: [usage]
enrichment:
  usage:
    kind: usage
    file: {usage}
"""
ENV = {"SF_CLIENT_ID": "client", "HUBSPOT_TOKEN": "pat-na1-token"}


def _config(tmp_path: Path, **files: str) -> Path:
    names = {"key": "keys/jwt.pem", "ca": "ca.pem", "usage": "data/usage.csv"} | files
    for relative in ("keys/jwt.pem", "ca.pem", "data/usage.csv"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x\n")
    path = tmp_path / "prod.yaml"
    path.write_text(CONFIG.format(**names))
    return path


def _cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, "DATABASE_URL": f"sqlite:///{tmp_path}/store.db", "COLUMNS": "300"}
    return subprocess.run([sys.executable, "-m", "accountsync", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_config_whose_files_are_all_there_is_valid(tmp_path: Path) -> None:
    path = _config(tmp_path)
    done = _cli("config", "validate", str(path), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{path}: valid" in done.stdout


@pytest.mark.parametrize(
    ("files", "field", "needle", "reason"),
    [
        ({"key": "keys/missing.pem"}, "connections.sf.jwt_key_file", "jwt_key_file", "keys/missing.pem does not exist"),
        ({"ca": "keys"}, "connections.sf.ca_bundle", "ca_bundle", "keys is not a file"),
        ({"usage": "data/usage-2026.csv"}, "enrichment.usage.file", "file: data", "data/usage-2026.csv does not exist"),
    ],
    ids=["jwt key missing", "CA bundle a folder", "enrichment file missing"],
)
def test_a_missing_or_unreadable_file_is_named_with_its_field_and_line(
    tmp_path: Path, files: dict[str, str], field: str, needle: str, reason: str
) -> None:
    path = _config(tmp_path, **files)
    done = _cli("config", "validate", str(path), tmp_path=tmp_path)
    assert done.returncode == 2
    line = _line_of(path, needle)
    located = [row for row in done.stderr.splitlines() if row.startswith(f"{path}:{line}:")]
    assert located, done.stderr
    assert f": {field}: " in located[0]
    assert str(tmp_path / reason.split(" ")[0]) in located[0]  # the resolved path, relative to the config file
    assert reason.split(" ", 1)[1] in located[0]


def test_the_hubspot_ca_bundle_is_checked_too(tmp_path: Path) -> None:
    path = _config(tmp_path, ca="nowhere/ca.pem")
    done = _cli("config", "validate", str(path), tmp_path=tmp_path)
    assert done.returncode == 2
    assert ": connections.hs.ca_bundle: file " in done.stderr
    assert ": connections.sf.ca_bundle: file " in done.stderr
    assert "2 error(s)" in done.stderr


def test_a_run_with_a_missing_key_stops_before_the_store_naming_the_path(tmp_path: Path) -> None:
    path = _config(tmp_path, key="/no/such/jwt.pem")
    done = _cli("run", "nightly", "-c", str(path), tmp_path=tmp_path)
    assert done.returncode == 2
    assert "connections.sf.jwt_key_file: file /no/such/jwt.pem does not exist" in done.stderr
    assert not (tmp_path / "store.db").exists()


def test_the_commands_that_connect_leave_enrichment_files_to_the_enrichment_step(tmp_path: Path) -> None:
    path = _config(tmp_path, usage="data/not-exported-yet.csv")
    deployment = load_deployment(path, ENV, check_files=True, enrichment_files=False)
    assert deployment.enrichment["usage"].file == tmp_path / "data/not-exported-yet.csv"
    with pytest.raises(ConfigInvalid, match=r"enrichment\.usage\.file: file .*not-exported-yet\.csv does not exist"):
        load_deployment(path, ENV, check_files=True)
