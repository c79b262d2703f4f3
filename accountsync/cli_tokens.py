"""`accountsync tokens`: create, list and revoke admin-API tokens (stored hashed, shown once)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from accountsync import context
from accountsync.console import err, fail, out
from sync.access import ROLES

app = typer.Typer(help="Admin-API tokens: metrics scrapes /metrics, viewer reads, operator runs jobs, admin manages "
                  "tokens.", no_args_is_help=True)  # fmt: skip


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. who or what uses the token.")],
    role: Annotated[str, typer.Option("--role", "-r", help=f"One of: {', '.join(ROLES)}.")] = "viewer",
) -> None:
    """Create a token and print it: it is shown this once (the store keeps only its hash)."""
    from sync.access import TokenError, create_token

    engine = context.store()
    try:
        token = create_token(engine, name=name, role=role)
    except TokenError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    err.print(f"token `{name}` ({role}) created; it is shown once, keep it now:", markup=False)
    typer.echo(token)


@app.command("list")
def list_cmd() -> None:
    """List tokens: name, role, created, last used, revoked (never the token)."""
    from sync.access import list_tokens

    engine = context.store()
    try:
        tokens = list_tokens(engine)
    finally:
        engine.dispose()
    table = Table(title="API tokens")
    for column in ("name", "role", "created", "last used", "revoked"):
        table.add_column(column)
    for t in tokens:
        table.add_row(t.name, t.role, _ts(t.created_at), _ts(t.last_used_at), _ts(t.revoked_at))
    out.print(table)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: the API answers 401 to it from now on."""
    from sync.access import TokenError, revoke_token

    engine = context.store()
    try:
        revoke_token(engine, name=name)
    except TokenError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    out.print(f"token `{name}` revoked", markup=False)


def _ts(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""
