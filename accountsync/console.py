"""The CLI's output: one rich console for results, one for errors, and the exit codes."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

EXIT_FAILURE = 1
EXIT_INVALID = 2

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line to stderr and exit non-zero (never a traceback for a user error)."""
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)
