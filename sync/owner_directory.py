"""Owner ids to names and teams, from the CRM users and owners the people streams pulled."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import col, select

from scoring.owner_segments import PeopleSegment, owner_kpis
from sync.people_tables import CrmUser
from sync.store import session

__all__ = ["owner_directory", "owner_segment_rows"]


def owner_directory(engine: Engine) -> pl.DataFrame:
    """`owner`, `owner_name`, `team` of every pulled user/owner (inactive ones too: they still own accounts)."""
    with session(engine) as s:
        rows = s.exec(select(CrmUser.source_id, CrmUser.name, CrmUser.team).where(col(CrmUser.deleted_at).is_(None)))
        data = [(source_id, name, team) for source_id, name, team in rows]
    return pl.DataFrame(data, schema={"owner": pl.String(), "owner_name": pl.String(), "team": pl.String()},
                        orient="row")  # fmt: skip


def owner_segment_rows(engine: Engine, accounts: pl.DataFrame, by: PeopleSegment) -> list[dict[str, Any]]:
    """KPIs per owner name or team (`scoring.owner_segments.owner_kpis`) with the store's owner directory."""
    return owner_kpis(accounts, owner_directory(engine), by).to_dicts()
