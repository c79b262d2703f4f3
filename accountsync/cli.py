"""The `accountsync` command: assembles the sub-command groups; the logic lives in sync/ and config/."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from accountsync import (
    cli_account,
    cli_config,
    cli_db,
    cli_enrich,
    cli_lists,
    cli_review,
    cli_run,
    cli_runs,
    cli_score,
    cli_serve,
    cli_sync,
    cli_tokens,
    cli_writeback,
)
from accountsync.console import EXIT_FAILURE, EXIT_INVALID, err
from config import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

app = typer.Typer(
    name="accountsync",
    help="Pull accounts and deals from Salesforce and HubSpot, score them, write the scores back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(cli_config.app, name="config")
app.add_typer(cli_db.app, name="db")
app.add_typer(cli_runs.app, name="runs")
app.command("run")(cli_run.run_command)
app.command("sync")(cli_sync.sync_command)
app.command("enrich")(cli_enrich.enrich_command)
app.add_typer(cli_tokens.app, name="tokens")
app.add_typer(cli_lists.app, name="lists")
app.command("serve")(cli_serve.serve_command)
app.command("writeback")(cli_writeback.writeback_command)
app.command("score")(cli_score.score_command)
app.command("kpis")(cli_score.kpis_command)
app.command("review")(cli_review.review_command)
app.command("account")(cli_account.account_command)


def main() -> None:
    """Console-script entry point: user errors become one line and a non-zero exit, never a traceback."""
    try:
        app()
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False)
        raise SystemExit(EXIT_INVALID) from None
    except Exception as exc:
        line = failure_line(exc)
        if line is None:
            raise
        err.print(f"error: {line}", markup=False)
        raise SystemExit(EXIT_FAILURE) from None


def failure_line(exc: Exception) -> str | None:
    """The one line a store or sync failure is told in (None: not one, a bug to show in full). Imported here:
    a command that never loaded the store (`config validate`) does not pay for it."""
    from sqlalchemy.exc import DBAPIError

    from sync import StoreError, SyncError

    if isinstance(exc, StoreError | SyncError):
        return str(exc)
    if isinstance(exc, DBAPIError):  # a store that refuses a write outside a run (read-only file, full disk)
        return store_refused(exc)
    return None


def store_refused(exc: DBAPIError) -> str:
    """The driver's first line, never the statement or its parameters (they may hold a token's hash)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return f"the store refused the command ({reason}): check that it is writable and reachable"
