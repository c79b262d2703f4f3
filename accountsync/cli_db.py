"""`accountsync db`: migrate the store (SQLite or PostgreSQL from DATABASE_URL)."""

from __future__ import annotations

import typer

from accountsync.console import out
from config import load_settings

app = typer.Typer(help="Create and migrate the store.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Migrate the store to the newest schema (idempotent)."""
    from sync import build_engine, upgrade

    engine = build_engine(load_settings().store_url())
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    out.print(f"store at revision {revision} ({engine.url.get_backend_name()})")


@app.command("current")
def current_cmd() -> None:
    """Print the store's revision and the newest one the code knows."""
    from sync import build_engine, current_revision, head_revision

    engine = build_engine(load_settings().store_url())
    try:
        have = current_revision(engine)
    finally:
        engine.dispose()
    out.print(f"store: {have or 'not migrated'}; code: {head_revision()}")
