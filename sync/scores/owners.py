"""Owner ids to names and teams: the CRM users and owners the people streams pulled, and the owner directory
each CRM gives every job (names only) for owners no people stream brought, so an owner reads as a name
wherever the account page and the ranked list already show one."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import col, select

from scoring.owner_segments import PeopleSegment, owner_kpis
from sync.pull.directory import load_directories
from sync.scores.owner_names import directory_owners
from sync.store.engine import session
from sync.store.people_tables import CrmUser

__all__ = ["owner_directory", "owner_segment_rows", "stored_segments"]


def owner_directory(engine: Engine) -> pl.DataFrame:
    """`owner`, `owner_name`, `team` of every pulled user/owner (inactive ones too: they still own accounts),
    then of every owner a CRM's directory names that no people stream pulled (no team)."""
    with session(engine) as s:
        rows = s.exec(select(CrmUser.source_id, CrmUser.name, CrmUser.team).where(col(CrmUser.deleted_at).is_(None)))
        data = [(source_id, name, team) for source_id, name, team in rows]
    pulled = {owner for owner, _, _ in data}
    named = directory_owners(load_directories(engine))
    data += [(owner, name, None) for owner, name in sorted(named.items()) if owner not in pulled]
    return pl.DataFrame(data, schema={"owner": pl.String(), "owner_name": pl.String(), "team": pl.String()},
                        orient="row")  # fmt: skip


def owner_segment_rows(engine: Engine, accounts: pl.DataFrame, by: PeopleSegment) -> list[dict[str, Any]]:
    """KPIs per owner name or team (`scoring.owner_segments.owner_kpis`) with the store's owner directory."""
    return owner_kpis(accounts, owner_directory(engine), by).to_dicts()


def stored_segments(engine: Engine, accounts: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per owner name and per team, as a scoring run keeps them for the dashboard's KPI page (`segments` of
    its portfolio); empty while no CRM named an owner, and no team segment while no pulled user has a team."""
    directory = owner_directory(engine)
    if directory.is_empty():
        return {}
    groupings: tuple[PeopleSegment, ...] = ("owner", "team") if directory["team"].is_not_null().any() else ("owner",)
    return {by: [{k: _finite(v) for k, v in row.items()} for row in owner_kpis(accounts, directory, by).to_dicts()]
            for by in groupings}  # fmt: skip


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value
