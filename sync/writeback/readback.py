"""What a rep sees: the written fields of one account read back from each CRM through its API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from config import Deployment, Job
from connectors import ConnectorError
from sync.connect import default_factory
from sync.job_lookup import find_job
from sync.pull.job import ConnectorFactory
from sync.store.engine import session
from sync.store.tables import SourceAccount


@dataclass(frozen=True, slots=True)
class CrmView:
    """One CRM record of the account and its write-back fields as the CRM holds them now; `error` says why
    they could not be read (the CRM unreachable, a login refused), the fields then empty."""

    connection: str
    object: str
    record_id: str
    fields: dict[str, Any]
    error: str | None = None


def read_back(
    deployment: Deployment,
    job_name: str | None,
    account_key: str,
    *,
    engine: Engine,
    factory: ConnectorFactory = default_factory,
) -> list[CrmView]:
    """Each live CRM record of `account_key` with the job's write-back fields, fetched from the CRM. A CRM
    that cannot be read gives its records' views with the error, and the other CRMs are still read."""
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
        try:
            fetched = _fetch(deployment, job, target.connection, target.object, ids, list(target.fields.values()),
                             factory)  # fmt: skip
        except ConnectorError as exc:
            views += [CrmView(target.connection, target.object, rid, {}, error=str(exc)) for rid in ids]
            continue
        views += [CrmView(target.connection, target.object, rid, dict(fetched.get(rid, {}))) for rid in ids]
    return views


def _fetch(
    deployment: Deployment,
    job: Job,
    connection: str,
    obj: str,
    ids: list[str],
    fields: list[str],
    factory: ConnectorFactory,
) -> Mapping[str, Mapping[str, Any]]:
    connector = factory(deployment, connection, job)
    try:
        return connector.fetch(obj, ids, fields)
    finally:
        connector.close()
