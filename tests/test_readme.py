"""The README cannot drift: its config reference is generated, and every command it shows parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from accountsync.cli import app
from config import reference_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def _shown_commands(program: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(program + " ")]


def test_config_reference_in_the_readme_is_the_generated_one() -> None:
    assert reference_markdown() in README.read_text()


@pytest.mark.parametrize("command", _shown_commands("accountsync"))
def test_every_accountsync_command_in_the_readme_parses(command: str) -> None:
    args = shlex.split(command)[1:]
    command_obj: click.Command = typer.main.get_command(app)
    while isinstance(command_obj, click.Group) and args and args[0] in command_obj.commands:
        command_obj, args = command_obj.commands[args[0]], args[1:]
    if args == ["--help"]:
        assert CliRunner().invoke(app, shlex.split(command)[1:]).exit_code == 0
        return
    command_obj.make_context(command, list(args))  # raises click.UsageError when an option or argument is wrong


@pytest.mark.parametrize("command", _shown_commands("make"))
def test_every_make_target_in_the_readme_exists(command: str) -> None:
    target = command.split()[1]
    assert re.search(rf"^{re.escape(target)}:", MAKEFILE.read_text(), flags=re.M), target
