"""The files a deployment refers to (JWT key, CA bundles, enrichment files): each must be a readable file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from config.crosscheck import Problem
from config.models import Deployment

CONNECTION_FILES = ("jwt_key_file", "ca_bundle")


def file_problems(deployment: Deployment, *, enrichment: bool = True) -> list[Problem]:
    """Every referenced file that is missing or unreadable, as (path in the config file, message naming it);
    the enrichment sources' files too when `enrichment`.

    The deployment's paths are the resolved ones (relative paths taken from the config file's folder)."""
    files = referenced_files(deployment, enrichment=enrichment)
    return [(where, message) for where, path in files if (message := unreadable(path))]


def referenced_files(
    deployment: Deployment, *, enrichment: bool = True
) -> Iterator[tuple[tuple[str | int, ...], Path]]:
    """(path in the config file, file) for each file the deployment names (enrichment files when `enrichment`)."""
    for name, connection in deployment.connections.items():
        for field in CONNECTION_FILES:
            value = getattr(connection, field, None)
            if isinstance(value, Path):
                yield ("connections", name, field), value
    for name, source in deployment.enrichment.items() if enrichment else ():
        if source.file is not None:
            yield ("enrichment", name, "file"), source.file


def unreadable(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None when it can."""
    if not path.exists():
        return f"file {path} does not exist"
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        return f"file {path} cannot be read: {exc.strerror or exc}"
    return None
