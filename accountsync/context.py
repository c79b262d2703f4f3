"""What every command needs: the deployment from the config file, and a migrated store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from accountsync.console import fail
from config import Deployment, load_deployment, load_settings
from sync import build_engine, ensure_current

DEFAULT_CONFIG = Path("accountsync.yaml")


def config_path(given: Path | None) -> Path:
    """The config file: `--config`, else ACCOUNTSYNC_CONFIG, else ./accountsync.yaml."""
    path = given or load_settings().config or DEFAULT_CONFIG
    if not path.exists():
        fail(f"config file {path} not found (pass --config FILE or set ACCOUNTSYNC_CONFIG)", 2)
    return path


def deployment(given: Path | None) -> Deployment:
    """Load and validate the deployment (located errors surface through the CLI's error handling)."""
    return load_deployment(config_path(given))


def store() -> Engine:
    """The store's engine, refusing an unmigrated store with the command that fixes it."""
    engine = build_engine(load_settings().store_url())
    ensure_current(engine)
    return engine
