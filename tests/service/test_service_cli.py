"""`accountsync tokens` and `accountsync serve --help`: the faces the container's entry point runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlmodel import select

from sync import ApiToken, build_engine, session, upgrade
from sync.access.tokens import authenticate, token_hash

from .conftest import ACCOUNTSYNC


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    return subprocess.run([ACCOUNTSYNC, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_tokens_create_list_revoke_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    engine = build_engine(url)
    upgrade(engine)
    made = _cli("tokens", "create", "grafana", "--role", "viewer", url=url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("as_")
    assert "shown once" in made.stderr
    caller = authenticate(engine, token)
    assert caller is not None
    assert (caller.name, caller.role) == ("grafana", "viewer")
    with session(engine) as s:
        [row] = s.exec(select(ApiToken)).all()
    assert row.token_hash == token_hash(token)
    listed = _cli("tokens", "list", url=url)
    assert "grafana" in listed.stdout
    assert token not in listed.stdout
    assert _cli("tokens", "revoke", "grafana", url=url).returncode == 0
    assert authenticate(engine, token) is None
    engine.dispose()


def test_serve_help_names_its_options() -> None:
    shown = subprocess.run([ACCOUNTSYNC, "serve", "--help"], capture_output=True, text=True, timeout=60, check=True)
    for option in ("--port", "--workers", "--lease-seconds", "--no-scheduler", "--grace-seconds"):
        assert option in shown.stdout
