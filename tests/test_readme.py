"""The README cannot drift: its config reference is generated, and every command it shows parses (and is run by
tests/test_readme_commands.py, or by `make demo` and CI for its `make` lines)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.core
import typer.main
from typer.testing import CliRunner

from accountsync.cli import app
from config import reference_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def shown_commands(program: str) -> list[str]:
    """The `program ...` lines of the README's ```bash blocks, in README order, without their `  #` comments.

    Read from the README when called: tests/test_readme_commands.py runs every `accountsync` line it returns.
    """
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(program + " ")]


def resolve(command: str) -> tuple[tuple[str, ...], Any, list[str]]:
    """`accountsync runs show 1` -> (("runs", "show"), the `show` command, ["1"]): the sub-command and its args."""
    path: tuple[str, ...] = ()
    args = shlex.split(command)[1:]
    command_obj = typer.main.get_command(app)
    # TyperGroup, not click.Group: typer vendors its own click, whose groups are no `click.Group`
    while isinstance(command_obj, typer.core.TyperGroup) and args and args[0] in command_obj.commands:
        path, command_obj, args = (*path, args[0]), command_obj.commands[args[0]], args[1:]
    return path, command_obj, args


def test_config_reference_in_the_readme_is_the_generated_one() -> None:
    assert reference_markdown() in README.read_text()


@pytest.mark.parametrize("command", shown_commands("accountsync"))
def test_every_accountsync_command_in_the_readme_parses(command: str) -> None:
    _path, command_obj, args = resolve(command)
    if args == ["--help"]:
        assert CliRunner().invoke(app, shlex.split(command)[1:]).exit_code == 0
        return
    command_obj.make_context(command, list(args))  # raises a UsageError when an option or argument is wrong


@pytest.mark.parametrize("command", shown_commands("make"))
def test_every_make_target_in_the_readme_exists(command: str) -> None:
    target = command.split()[1]
    assert re.search(rf"^{re.escape(target)}:", MAKEFILE.read_text(), flags=re.M), target
