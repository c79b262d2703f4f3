"""Target lists: the accounts of chosen tiers (or the top N) of the latest scoring run, kept as a CRM list.

Membership is diffed like written fields: `target_list_member` remembers what we made a member (or what the CRM
refused), and only additions and removals are sent; when nothing changed, no call is made at all. The first
publish of a list reads its members from the CRM (one paged read) so a list that exists already is adopted, not
doubled. A dry run plans exactly what the real run would send (it may read, it never writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from config import Deployment
from config.models import TargetList
from connectors import TargetListClient, target_list_client
from sync.errors import SyncError
from sync.runs.records import Ended
from sync.store.engine import session
from sync.store.tables import AccountScore, ScoringRun, SourceAccount, TargetListMember

__all__ = ["ClientFactory", "ListPublish", "publish_target_lists", "target_accounts", "target_list_step"]

MISSING = "the CRM has no live record with this id"
ClientFactory = Callable[[str, Deployment], TargetListClient]


@dataclass(frozen=True)
class ListPublish:
    """One list's publish: what was planned, what the CRM did, and the calls it took."""

    name: str
    connection: str
    list_id: str | None  # None: a dry run of a list that does not exist yet
    create: bool
    add: tuple[str, ...]
    remove: tuple[str, ...]
    rejected: tuple[str, ...]
    calls: int
    dry_run: bool


def target_accounts(engine: Engine, target: TargetList) -> list[str]:
    """Account keys of the latest scoring run in the target's tiers, by rank, the best `top` of them."""
    with session(engine) as s:
        run = s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc()).limit(1)).first()
        if run is None:
            return []
        query = (
            select(AccountScore.account_key)
            .where(AccountScore.scoring_run_id == run.id, col(AccountScore.tier).in_(target.tiers))
            .order_by(col(AccountScore.rank))
        )
        return list(s.exec(query.limit(target.top) if target.top else query).all())


def _record_ids(engine: Engine, connection: str, keys: list[str]) -> dict[str, str]:
    """CRM record id -> account key, for the connection's live records of these accounts."""
    with session(engine) as s:
        rows = s.exec(
            select(SourceAccount.source_id, SourceAccount.account_key).where(
                SourceAccount.connection == connection,
                col(SourceAccount.account_key).in_(keys),
                col(SourceAccount.deleted_at).is_(None),
                col(SourceAccount.merged_into).is_(None),
            )
        ).all()
    return {source_id: key for source_id, key in rows if key is not None}


def _remembered(engine: Engine, target: TargetList) -> list[TargetListMember]:
    with session(engine) as s:
        query = select(TargetListMember).where(
            TargetListMember.connection == target.connection, TargetListMember.list_name == target.name
        )
        return list(s.exec(query).all())


def _record(engine: Engine, target: TargetList, list_id: str, wanted: dict[str, str], add: list[str],
            remove: list[str], missing: set[str]) -> None:  # fmt: skip
    """Members now: every id added but those the CRM reported missing (kept as rejected); removed ids go."""
    now = datetime.now(UTC)
    member = (col(TargetListMember.connection) == target.connection, col(TargetListMember.list_name) == target.name)
    with session(engine) as s, s.begin():
        if add or remove:
            stale = col(TargetListMember.record_id).in_(sorted({*add, *remove}))
            s.exec(delete(TargetListMember).where(*member, stale))
        for record_id in add:
            s.add(TargetListMember(connection=target.connection, list_name=target.name, record_id=record_id,
                                   list_id=list_id, account_key=wanted.get(record_id),
                                   rejected=MISSING if record_id in missing else None, published_at=now))  # fmt: skip


def publish_list(engine: Engine, client: TargetListClient, target: TargetList, *, dry_run: bool) -> ListPublish:
    """Plan the list's membership changes and, unless `dry_run`, send them and remember the result."""
    wanted = _record_ids(engine, target.connection, target_accounts(engine, target))
    remembered = _remembered(engine, target)
    members = {row.record_id for row in remembered if row.rejected is None}
    list_id = remembered[0].list_id if remembered else client.find(target.name)
    if not remembered and list_id is not None:
        members = client.members(list_id)  # first publish of an existing list: adopt what it holds
    add, remove = sorted(set(wanted) - members), sorted(members - set(wanted))
    create = list_id is None
    if dry_run or not (add or remove or create):
        return ListPublish(target.name, target.connection, list_id, create, tuple(add), tuple(remove), (),
                           client.calls, dry_run)  # fmt: skip
    if list_id is None:
        list_id = client.create(target.name)
    missing = set(client.add(list_id, add).missing) if add else set()
    if remove:
        client.remove(list_id, remove)  # an id the CRM no longer holds is out of the list either way
    _record(engine, target, list_id, wanted, add, remove, missing)
    return ListPublish(target.name, target.connection, list_id, create, tuple(add), tuple(remove),
                       tuple(sorted(missing)), client.calls, dry_run)  # fmt: skip


def _default_factory(name: str, deployment: Deployment) -> TargetListClient:
    return target_list_client(name, deployment.connections[name])


def publish_target_lists(engine: Engine, deployment: Deployment, job: str, *, dry_run: bool = False,
                         factory: ClientFactory = _default_factory) -> list[ListPublish]:  # fmt: skip
    """Publish every target list of `job` (see the module docstring)."""
    found = next((j for j in deployment.jobs if j.name == job), None)
    if found is None:
        raise SyncError(f"no job {job!r} in the config")
    if not found.target_lists:
        raise SyncError(f"job {job!r} has no `target_lists`")
    done = []
    for target in found.target_lists:
        client = factory(target.connection, deployment)
        try:
            done.append(publish_list(engine, client, target, dry_run=dry_run))
        finally:
            client.close()
    return done


def target_list_step(engine: Engine, deployment: Deployment, job: str) -> Ended:
    """The job run's step: publish its lists; partial when the CRM refused accounts (status, message, counts)."""
    published = publish_target_lists(engine, deployment, job)
    refused = sum(len(done.rejected) for done in published)
    counts: dict[str, Any] = {done.name: {"connection": done.connection, "added": len(done.add),
                                          "removed": len(done.remove), "rejected": len(done.rejected),
                                          "calls": done.calls} for done in published}  # fmt: skip
    if refused:
        return Ended("partial", f"{refused} account(s) refused by the CRM", counts)
    return Ended("succeeded", None, counts)
