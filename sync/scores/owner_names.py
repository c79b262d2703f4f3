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
        for directory in (load_directories(engine) if directories is None else directories).values():
            names.update(
                (owner, name) for owner, name in directory.owners.items() if owner in wanted and owner not in names
            )
    return names


def owners_named(engine: Engine, name: str) -> list[str]:
    """The owner ids a person's name stands for (a filter typed as a name), pulled users and directories alike."""
    with session(engine) as s:
        found = set(s.exec(select(CrmUser.source_id).where(CrmUser.name == name)).all())
    for directory in load_directories(engine).values():
        found |= {owner for owner, named in directory.owners.items() if named == name}
    return sorted(found)
