"""Config files: valid examples load; every problem is a located error FILE:LINE:COLUMN: key.path: message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config import ConfigFileError, ConfigInvalid, load_deployment

DEMO = Path(__file__).parents[2] / "config" / "examples" / "demo.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deploy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        load_deployment(path, env or {})
    return [str(e) for e in caught.value.errors]


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_demo_example_is_valid() -> None:
    deployment = load_deployment(DEMO, {})
    assert [job.name for job in deployment.jobs] == ["demo"]
    assert set(deployment.connections) == {"salesforce", "hubspot"}


def test_unknown_top_level_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, DEMO.read_text().replace("version: 1\n", "version: 1\nfrobnicate: true\n"))
    line = _line_of(path, "frobnicate")
    assert _errors(path) == [f"{path}:{line}:1: frobnicate: unknown key `frobnicate`"]


def test_wrong_type_two_levels_deep_names_the_full_path_and_line(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("weights: {fit: 0.3,", "weights: {fit: high,")
    path = _write(tmp_path, text)
    line = _line_of(path, "fit: high")
    [error] = _errors(path)
    assert error.startswith(f"{path}:{line}:")
    assert ": scoring.weights.fit: Input should be a valid number" in error


@pytest.mark.parametrize(
    ("replace", "with_", "needle", "message"),
    [
        (
            'schedule: "*/15 * * * *"',
            'schedule: "61 * * * *"',
            "schedule:",
            "jobs[0].schedule: not a valid cron",
        ),
        (
            "lookback_minutes: 10",
            "lookback_minutes: -5",
            "lookback_minutes",
            "jobs[0].lookback_minutes: Input should be",
        ),
        (
            "- connection: hubspot\n        objects",
            "- connection: hubspt\n        objects",
            "connection: hubspt",
            "jobs[0].sources[1].connection: no connection named `hubspt`",
        ),
        (
            "objects: [companies, deals, pipelines, contacts, owners]",
            "objects: [companies, tickets]",
            "tickets",
            "jobs[0].sources[1].objects[1]: `tickets` is not a hubspot object",
        ),
        ("  corporate: USD", "  corporate: usd", "corporate:", "currency.corporate: String should match"),
        (
            "    auth: jwt\n",
            "    auth: client_credentials\n",
            "  salesforce:",
            "connections.salesforce: auth `client_credentials` needs client_secret",
        ),
    ],
)
def test_each_problem_is_located(tmp_path: Path, replace: str, with_: str, needle: str, message: str) -> None:
    assert replace in DEMO.read_text()
    path = _write(tmp_path, DEMO.read_text().replace(replace, with_, 1))
    line = _line_of(path, needle)
    errors = _errors(path)
    assert any(e.startswith(f"{path}:{line}:") and message in e for e in errors), errors


def test_missing_env_var_is_located_and_never_shows_a_value(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("${HUBSPOT_TOKEN:-pat-na1-sandbox-demo-token}", "${HS_TOKEN_FOR_TEST}")
    path = _write(tmp_path, text)
    line = _line_of(path, "HS_TOKEN_FOR_TEST")
    assert _errors(path) == [
        f"{path}:{line}:5: connections.hubspot.token: environment variable HS_TOKEN_FOR_TEST is not set"
    ]
    deployment = load_deployment(path, {"HS_TOKEN_FOR_TEST": "pat-secret-value"})
    token = deployment.connections["hubspot"].token  # type: ignore[union-attr]
    assert token.get_secret_value() == "pat-secret-value"
    assert "pat-secret-value" not in repr(deployment)


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("${HUBSPOT_TOKEN:-pat-na1-sandbox-demo-token}", "pat-na1-literal")
    path = _write(tmp_path, text)
    [error] = _errors(path)
    assert "connections.hubspot.token: secrets must be `${ENV_VAR}` references" in error
    assert "pat-na1-literal" not in error


def test_relative_key_file_is_relative_to_the_config_file() -> None:
    conn = load_deployment(DEMO, {}).connections["salesforce"]
    assert conn.jwt_key_file == (DEMO.parent / "../../.sandbox/sf-jwt-key.pem").resolve()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("connections: [\n", "not valid YAML"),
        ("", "the file is empty"),
        ("a: 1\na: 2\n", "duplicate key `a`"),
    ],
)
def test_unreadable_files_are_file_errors(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ConfigFileError, match=reason):
        load_deployment(_write(tmp_path, text), {})


def test_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="No such file"):
        load_deployment(tmp_path / "nope.yaml", {})


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "accountsync", *args], capture_output=True, text=True, env=environ)


def test_validate_command_exits_0_on_the_demo_and_2_with_located_errors(tmp_path: Path) -> None:
    sandbox_dir = tmp_path / "sandbox"  # the files the demo's sandbox writes: validate checks they are there
    sandbox_dir.mkdir()
    for name in ("sf-jwt-key.pem", "ca.pem", "usage.csv"):
        (sandbox_dir / name).write_text("x\n")
    assert _cli("config", "validate", str(DEMO), env={"ACCOUNTSYNC_SANDBOX_DIR": str(sandbox_dir)}).returncode == 0
    bad = _write(tmp_path, DEMO.read_text().replace("version: 1\n", "version: 1\nfrobnicate: true\n"))
    done = _cli("config", "validate", str(bad))
    assert done.returncode == 2
    assert f"{bad}:{_line_of(bad, 'frobnicate')}:1: frobnicate: unknown key `frobnicate`" in done.stderr
    assert "Traceback" not in done.stderr


def test_schema_command_prints_a_schema_with_every_key_described() -> None:
    done = _cli("config", "schema")
    assert done.returncode == 0
    schema = yaml.safe_load(done.stdout)
    for name, definition in schema["$defs"].items():
        for key, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"


def test_help_lists_the_command_groups() -> None:
    done = _cli("--help")
    assert done.returncode == 0
    for group in ("config", "db"):
        assert group in done.stdout
