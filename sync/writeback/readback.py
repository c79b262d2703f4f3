"""What a rep sees: the written fields of one account read back from each CRM through its API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from config import Deployment
from sync.connect import default_factory
from sync.job_lookup import find_job
from sync.pull.job import ConnectorFactory
from sync.store.engine import session
from sync.store.tables import SourceAccount


@dataclass(frozen=True, slots=True)
class CrmView:
    """One CRM record of the account and its write-back fields as the CRM holds them now."""

    connection: str
    object: str
    record_id: str
    fields: dict[str, Any]


def read_back(
    deployment: Deployment,
    job_name: str | None,
    account_key: str,
    *,
    engine: Engine,
    factory: ConnectorFactory = default_factory,
) -> list[CrmView]:
    """Each live CRM record of `account_key` with the job's write-back fields, fetched from the CRM."""
    job = find_job(deployment, job_name)
    with session(engine) as s:
        records = s.exec(
            select(SourceAccount).where(
                SourceAccount.account_key == account_key, col(SourceAccount.deleted_at).is_(None)
            )
        ).all()
    views = []
    for target in job.writeback:
        ids = [r.source_id for r in records if r.connection == target.connection]
        if not ids:
            continue
        connector = factory(deployment, target.connection, job)
        try:
            fetched = connector.fetch(target.object, ids, list(target.fields.values()))
        finally:
            connector.close()
        views += [CrmView(target.connection, target.object, rid, dict(fetched.get(rid, {}))) for rid in ids]
    return views
