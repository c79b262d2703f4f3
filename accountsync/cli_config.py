"""`accountsync config`: validate a config file with located errors, print its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from accountsync.console import EXIT_INVALID, err, out
from config import ConfigFileError, ConfigInvalid, json_schema, load_deployment, reference_markdown

app = typer.Typer(help="Check and describe the deployment's config file.", no_args_is_help=True)


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="The YAML config file.", dir_okay=False)],
) -> None:
    """Exit 0 when FILE is valid and every file it names (key, CA bundles, enrichment files) is readable; else
    print every error as FILE:LINE:COLUMN: key.path: message, exit 2."""
    try:
        deployment = load_deployment(file, check_files=True)
    except ConfigInvalid as exc:
        for error in exc.errors:
            err.print(escape(str(error)))
        err.print(f"{len(exc.errors)} error(s) in {escape(str(file))}")
        raise typer.Exit(EXIT_INVALID) from None
    except ConfigFileError as exc:
        err.print(escape(str(exc)))
        raise typer.Exit(EXIT_INVALID) from None
    jobs = ", ".join(job.name for job in deployment.jobs)
    out.print(f"{escape(str(file))}: valid ({len(deployment.connections)} connection(s); jobs: {escape(jobs)})")


@app.command("schema")
def schema() -> None:
    """Print the config file's JSON Schema (for editors)."""
    typer.echo(json.dumps(json_schema(), indent=2))


@app.command("reference")
def reference() -> None:
    """Print the key-by-key reference of the config file (Markdown, as in the README)."""
    typer.echo(reference_markdown())
