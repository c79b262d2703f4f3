"""Owner ids as people read them: the name of a pulled CRM user, else the CRM owner directory's, for the ranked
list (the account page and the account map name owners the same way)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors import Directory
from sync.pull.directory import load_directories
from sync.store.engine import session
from sync.store.people_tables import CrmUser


def owner_names(
    engine: Engine, ids: Collection[str], directories: Mapping[str, Directory] | None = None
) -> dict[str, str]:
    """Owner id -> name, for the ids some CRM names (an id nobody names is left out: shown as the id);
    `directories`: the CRMs' owner directories when the caller has read them already."""
    wanted = sorted({owner for owner in ids if owner})
    if not wanted:
        return {}
    names: dict[str, str] = {}
    with session(engine) as s:
        for start in range(0, len(wanted), 900):
            rows = s.exec(
                select(CrmUser.source_id, CrmUser.name).where(col(CrmUser.source_id).in_(wanted[start : start + 900]))
            )
            names.update((source_id, name) for source_id, name in rows if name)
    if len(names) < len(wanted):
        named = directory_owners(load_directories(engine) if directories is None else directories)
        names.update((owner, named[owner]) for owner in wanted if owner not in names and owner in named)
    return names


def directory_owners(directories: Mapping[str, Directory]) -> dict[str, str]:
    """Owner id -> name across the CRMs' owner directories (an id two of them name: the first's name)."""
    named: dict[str, str] = {}
    for directory in directories.values():
        for owner, name in directory.owners.items():
            named.setdefault(owner, name)
    return named


def owners_named(engine: Engine, name: str) -> list[str]:
    """The owner ids a person's name stands for (a filter typed as a name), pulled users and directories alike."""
    with session(engine) as s:
        found = set(s.exec(select(CrmUser.source_id).where(CrmUser.name == name)).all())
    for directory in load_directories(engine).values():
        found |= {owner for owner, named in directory.owners.items() if named == name}
    return sorted(found)
