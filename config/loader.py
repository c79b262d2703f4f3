"""Read the YAML config file into a `Deployment`, with every error located at its line and column."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

from config.crosscheck import cross_check
from config.errors import ConfigFileError, ConfigInvalid, LocatedError
from config.files import file_problems
from config.limits import LimitedLoader, LimitExceeded, read_text
from config.models import Deployment

Path_ = tuple[str | int, ...]
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a key (or list item) stands in the file, 1-based."""

    line: int
    column: int


@dataclass(slots=True)
class Document:
    """The parsed file: plain data, the mark of every path, and the paths written as `${ENV}` references."""

    file: str
    data: Any
    marks: dict[Path_, Mark]
    references: set[Path_]

    def locate(self, path: Path_, message: str) -> LocatedError:
        """Build a located error for `path`, falling back to its deepest existing parent."""
        known, shown = _walk_known(self.data, path)
        mark = self.marks.get(known, Mark(1, 1))
        return LocatedError(self.file, mark.line, mark.column, format_path(shown), message)


def format_path(path: Path_) -> str:
    """`("jobs", 0, "schedule")` -> `jobs[0].schedule`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_deployment(
    file: str | Path,
    environ: Mapping[str, str] | None = None,
    *,
    check_files: bool = False,
    enrichment_files: bool = True,
) -> Deployment:
    """Read, resolve and validate a config file; with `check_files`, every file it names must be readable (the
    enrichment sources' files too unless `enrichment_files` is False: the enrichment step reports those itself).

    Raises:
        ConfigFileError: the file is missing or not YAML.
        ConfigInvalid: with every located error when the file does not describe a valid deployment.
    """
    doc = parse_document(file)
    env = os.environ if environ is None else environ
    errors = resolve_references(doc, env)
    if errors:
        raise ConfigInvalid(doc.file, errors)
    try:
        deployment = Deployment.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigInvalid(doc.file, _located_validation_errors(doc, exc)) from None
    errors = [doc.locate(path, msg) for path, msg in cross_check(deployment)]
    errors += _literal_secrets(doc, deployment)
    if errors:
        raise ConfigInvalid(doc.file, sorted(errors, key=lambda e: (e.line, e.column)))
    resolved = _relative_to(deployment, Path(file).resolve().parent)
    problems = file_problems(resolved, enrichment=enrichment_files) if check_files else []
    errors = [doc.locate(path, msg) for path, msg in problems]
    if errors:
        raise ConfigInvalid(doc.file, sorted(errors, key=lambda e: (e.line, e.column)))
    return resolved


def parse_document(file: str | Path) -> Document:
    """Parse YAML keeping the mark of every key, refusing duplicate keys and what passes `config.limits`."""
    name = str(file)
    text = read_text(file)
    try:
        loader = LimitedLoader(text)  # the reader checks every character here
    except yaml.reader.ReaderError as exc:
        raise _reader_error(name, text, exc) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigFileError(name, "the file is empty", 1, 1)
        marks: dict[Path_, Mark] = {(): Mark(node.start_mark.line + 1, node.start_mark.column + 1)}
        _collect_marks(name, node, (), marks)
        data = loader.construct_document(node)
    except LimitExceeded as exc:
        line, col = (exc.problem_mark.line + 1, exc.problem_mark.column + 1) if exc.problem_mark else (None, None)
        raise ConfigFileError(name, f"refused: {exc.problem}", line, col) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ConfigFileError(name, f"not valid YAML: {exc.problem or exc}", line, col) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(name, text, exc) from None
    finally:
        loader.dispose()
    return Document(name, data, marks, set())


def _reader_error(name: str, text: str, exc: yaml.reader.ReaderError) -> ConfigFileError:
    """A character YAML refuses (a control character), located by its offset in the text."""
    before = text[: exc.position]
    line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    return ConfigFileError(name, f"not valid YAML: {exc.reason} (character {exc.character!r})", line, col)


def _collect_marks(
    file: str, node: yaml.Node, path: Path_, marks: dict[Path_, Mark], seen: frozenset[int] = frozenset()
) -> None:
    if id(node) in seen:  # an alias that contains itself
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        raise ConfigFileError(file, f"`{format_path(path)}` refers to itself through an alias", line, col)
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ConfigFileError(file, "keys must be plain names, not lists or mappings", line, col)
            key = key_node.value
            child = (*path, key)
            if child in marks:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ConfigFileError(file, f"duplicate key `{format_path(child)}`", line, col)
            marks[child] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_marks(file, value_node, child, marks, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            marks[child] = Mark(item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_marks(file, item, child, marks, seen)


def resolve_references(doc: Document, environ: Mapping[str, str]) -> list[LocatedError]:
    """Replace `${VAR}` / `${VAR:-default}` in string values by the environment's values, in place."""
    errors: list[LocatedError] = []
    for path, value in list(_scalars(doc.data, ())):
        if not isinstance(value, str) or "${" not in value:
            continue

        def substitute(match: re.Match[str], path: Path_ = path) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            errors.append(doc.locate(path, f"environment variable {name} is not set"))
            return ""

        _assign(doc.data, path, _REFERENCE.sub(substitute, value))
        doc.references.add(path)
    return errors


def _scalars(data: Any, path: Path_) -> Iterator[tuple[Path_, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _scalars(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _scalars(value, (*path, index))
    else:
        yield path, data


def _assign(data: Any, path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _walk_known(data: Any, loc: Path_) -> tuple[Path_, Path_]:
    """Follow a pydantic `loc` through the data; returns (deepest existing path, path to show)."""
    known: Path_ = ()
    shown: Path_ = ()
    node = data
    for part in loc:
        if _has(node, part):
            node = node[part]
            known = shown = (*known, part)
        elif isinstance(node, dict) and isinstance(part, str) and _is_tag(part):
            continue  # a union's tag (e.g. `salesforce`) is not part of the file
        else:
            shown = (*shown, part)
            node = None
    return known, shown


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_tag(part: str) -> bool:
    return part in {"salesforce", "hubspot"} or part.startswith("function-")


def _located_validation_errors(doc: Document, exc: ValidationError) -> list[LocatedError]:
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown key `{err['loc'][-1]}`"
        elif err["type"] == "missing":
            message = f"missing required key `{err['loc'][-1]}`"
        errors.append(doc.locate(tuple(err["loc"]), message))
    return sorted(errors, key=lambda e: (e.line, e.column))


def _literal_secrets(doc: Document, deployment: Deployment) -> list[LocatedError]:
    """A secret must come from the environment: `${ENV_VAR}`, never written in the file."""
    errors = []
    for path in _secret_paths(deployment, ()):
        if path in doc.marks and path not in doc.references:
            errors.append(doc.locate(path, "secrets must be `${ENV_VAR}` references, never literal values"))
    return errors


def _secret_paths(model: Any, path: Path_) -> Iterator[Path_]:
    if isinstance(model, BaseModel):
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, SecretStr):
                yield (*path, name)
            else:
                yield from _secret_paths(value, (*path, name))
    elif isinstance(model, dict):
        for key, value in model.items():
            yield from _secret_paths(value, (*path, key))
    elif isinstance(model, list):
        for index, value in enumerate(model):
            yield from _secret_paths(value, (*path, index))


def _relative_to(deployment: Deployment, base: Path) -> Deployment:
    """Make the connections' and enrichment sources' file paths relative to the config file's folder."""
    connections = {}
    for name, conn in deployment.connections.items():
        update = {
            field: (base / value).resolve()
            for field in ("jwt_key_file", "ca_bundle")
            if isinstance(value := getattr(conn, field, None), Path) and not value.is_absolute()
        }
        connections[name] = conn.model_copy(update=update)
    enrichment = {
        name: source.model_copy(update={"file": (base / source.file).resolve()})
        if source.file is not None and not source.file.is_absolute()
        else source
        for name, source in deployment.enrichment.items()
    }
    return deployment.model_copy(update={"connections": connections, "enrichment": enrichment})
