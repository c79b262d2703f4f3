"""What every command needs: the deployment from the config file, and a migrated store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from accountsync.console import err, fail
from config import Deployment, load_deployment, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_CONFIG = Path("accountsync.yaml")


def config_path(given: Path | None) -> Path:
    """The config file: `--config`, else ACCOUNTSYNC_CONFIG, else ./accountsync.yaml."""
    path = given or load_settings().config or DEFAULT_CONFIG
    if not path.exists():
        fail(f"config file {path} not found (pass --config FILE or set ACCOUNTSYNC_CONFIG)", 2)
    return path


def deployment(given: Path | None, *, check_files: bool = False) -> Deployment:
    """Load and validate the deployment (located errors surface through the CLI's error handling); with
    `check_files` (commands that connect), the key and CA bundles it names must be readable (enrichment files
    are reported by the enrichment step, per source, like any other source failure)."""
    return load_deployment(config_path(given), check_files=check_files, enrichment_files=False)


def store(*, migrate_fresh: bool = False) -> Engine:
    """The store's engine, refusing an unmigrated store with the command that fixes it; with `migrate_fresh`
    (a job run), an empty store is migrated first, saying so on stderr."""
    from sync import build_engine, ensure_current, migrate_if_fresh

    engine = build_engine(load_settings().store_url())
    if migrate_fresh and (revision := migrate_if_fresh(engine)) is not None:
        where = engine.url.render_as_string(hide_password=True)
        err.print(f"the store {where} was empty: migrated it to revision {revision}", markup=False)
    ensure_current(engine)
    return engine
