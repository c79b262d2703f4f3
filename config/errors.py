"""Errors raised while reading the deployment's config file and settings.

ConfigError                 root: the config cannot be used; fix the file or the environment
 └── ConfigInvalid          the file was read but breaks the schema; carries every LocatedError
 └── ConfigFileError        the file is missing, unreadable or not YAML at all
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LocatedError:
    """One problem in the config file, at the line and column of the offending key."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path or '<root>'}: {self.message}"


class ConfigError(Exception):
    """Root of the config package's errors: the configuration cannot be used as it is."""


class ConfigFileError(ConfigError):
    """The config file is missing, unreadable or not valid YAML."""

    def __init__(self, file: str, reason: str, line: int | None = None, column: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        self.column = column
        where = f"{file}:{line}:{column}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class ConfigInvalid(ConfigError):
    """The file parsed but does not describe a valid deployment; `errors` lists every problem."""

    def __init__(self, file: str, errors: list[LocatedError]) -> None:
        self.file = file
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
