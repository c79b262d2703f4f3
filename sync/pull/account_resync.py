"""A full resync of one account: its records in every CRM of the job, read again by id, every stored
record of it that the CRM no longer holds marked deleted, and every opportunity or contact of it the CRM now
files under another account stored as it is now (sync.md: a full resync of a job, an object or one
account). Its people come with it: contacts, their relations to the account, their deal roles and the account
team, so the buying committee an admin resyncs is the one the CRM holds. The streams' own positions do not
move, so the next incremental run reads what it would have."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import Engine
from sqlmodel import col, or_, select

from config import Deployment, Job, Source
from connectors import Connector, Page, StreamSpec, stream_map
from connectors import RowContext as Context
from sync.errors import JobError
from sync.pull.job import (
    ConnectorFactory,
    extra_fields,
    link_property,
    ordered_streams,
    read_sources,
    writeback_fields,
)
from sync.pull.pages import mark_deleted, target_of
from sync.pull.stream import ProgressSink, PullRequest, commit_page, stream_key
from sync.runs.records import Ended, RunRecorder
from sync.store.engine import session
from sync.store.people_tables import AccountContact, Contact, DealContact, TeamMember
from sync.store.tables import Opportunity, SourceAccount, utcnow

__all__ = ["ACCOUNT_OBJECTS", "AccountNotFound", "resolve_account", "resync_account"]

# The objects that hold records of their own per account; stages, pipelines, rates and users are not resynced.
ACCOUNT_OBJECTS: Final = frozenset(
    {"Account", "Opportunity", "OpportunityHistory", "OpportunityLineItem", "companies", "deals",
     "Contact", "AccountContactRelation", "OpportunityContactRole", "AccountTeamMember", "contacts"}
)  # fmt: skip
ACCOUNT_STREAMS: Final = frozenset({"Account", "companies"})


class AccountNotFound(JobError):
    """The account to resync is not in the store."""


@dataclass(frozen=True, slots=True)
class AccountRecords:
    """An account key and its CRM records per connection (live or deleted: a restored record comes back)."""

    key: str
    by_connection: dict[str, list[str]]


def resolve_account(engine: Engine, wanted: str) -> AccountRecords:
    """The account named by its key (`sf:001...`, `hs:123...`) or by the id of any of its CRM records.

    Raises:
        AccountNotFound: nothing in the store has that key or id.
    """
    text = wanted.strip()
    with session(engine) as s:
        stmt = select(SourceAccount.account_key).where(
            or_(col(SourceAccount.account_key) == text, col(SourceAccount.source_id) == text)
        )
        keys = sorted({k for k in s.exec(stmt).all() if k})
        if not keys:
            raise AccountNotFound(
                f"no account `{wanted}` in the store: give an account key (sf:<id> or hs:<id>, as "
                "`accountsync score` and the API list them) or the id of one of its CRM records"
            )
        if len(keys) > 1:
            raise AccountNotFound(f"`{wanted}` names {len(keys)} accounts ({', '.join(keys)}): give the account key")
        rows = s.exec(select(SourceAccount).where(SourceAccount.account_key == keys[0])).all()
        by_connection: dict[str, list[str]] = {}
        for row in rows:
            by_connection.setdefault(row.connection, []).append(row.source_id)
    return AccountRecords(keys[0], by_connection)


def resync_account(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    account: AccountRecords,
    objects: Sequence[str] | None,
    sink: ProgressSink,
    factory: ConnectorFactory,
    recorder: RunRecorder,
) -> Ended:
    """Read the account's records from each of the job's sources that holds some, mark the unseen gone,
    then apply identity. Returns the run's status and message (no audits: a count per account is not cheap)."""
    lookback = timedelta(minutes=job.lookback_minutes)
    req = PullRequest(job.name, recorder.run_id, utcnow(), lookback, True, job.opportunity_types,
                      link_property(deployment), writeback_fields(job))  # fmt: skip
    recorder.extra["account"] = account.key

    def wanted(source: Source) -> list[str]:
        return [o for o in source.objects if o in ACCOUNT_OBJECTS and (objects is None or o in objects)]

    def resync_source(source: Source, connector: Connector, shown: ProgressSink) -> None:
        ids = account.by_connection[source.connection]
        specs = connector.streams(wanted(source), extra_fields=extra_fields(job, source))
        for spec in ordered_streams(specs, connector.crm):
            _resync_stream(engine, connector, spec, ids, req, recorder, shown)

    holding = [s for s in job.sources if account.by_connection.get(s.connection) and wanted(s)]
    stopped = read_sources(deployment, job, engine, factory, recorder, holding, resync_source, sink)
    if stopped is not None:
        return Ended(*stopped)
    return Ended("partial" if recorder.extra.get("error_count", 0) else "succeeded")


def _resync_stream(
    engine: Engine,
    connector: Connector,
    spec: StreamSpec,
    account_ids: list[str],
    req: PullRequest,
    recorder: RunRecorder,
    sink: ProgressSink,
) -> None:
    key = stream_key(connector, spec)
    progress = recorder.stream(key)
    sink.stream_started(key, None)
    ctx = Context(connector.name, connector.crm, req.run_id, utcnow(), req.opportunity_types, req.link_property)
    mapping = stream_map(connector.crm, spec.object)

    def store(pages: Iterator[Page]) -> set[str]:
        """Commit the pages as a pull would; the ids they held."""
        held: set[str] = set()
        for page in pages:
            commit_page(engine, connector, spec, page, req, ctx, recorder, checkpoint=False)
            held.update(str(mapping.record_id(r)) for r in page.records)
            sink.advanced(key, len(page.records))
        return held

    seen = store(connector.read_accounts(spec, account_ids))
    model = target_of(connector.crm, spec.object).model
    unseen = [i for i in _stored_live(engine, model, connector.name, spec.object, account_ids) if i not in seen]
    if unseen:
        if model in (Opportunity, Contact):
            # Read again by id wherever they are filed now: one still there (moved to another account, or
            # soft-deleted) is stored as it is, one that does not come back is gone.
            found = store(connector.read_ids(spec, unseen))
        elif model is SourceAccount:
            found = set(connector.fetch(spec.object, unseen, []))
        else:  # a relation or team row: the read by account (or its opportunities) holds every live one
            found = set()
        gone = [source_id for source_id in unseen if source_id not in found]
        with session(engine) as s, s.begin():
            progress.deleted += mark_deleted(s, model, connector.name, gone, utcnow())
    progress.done = True
    recorder.flush(force=True)
    sink.stream_finished(key)


def _stored_live(engine: Engine, model: Any, connection: str, obj: str, account_ids: list[str]) -> list[str]:
    """The live stored records of the account that a read of `obj` by account should bring back: the account
    records themselves, its opportunities, its contacts (on it, or related to it), its contact relations and
    team, and the contact roles on its opportunities. Nothing for other tables (stage history, line items:
    keyed by content or swept with their opportunity)."""
    if model is SourceAccount and obj in ACCOUNT_STREAMS:
        return _live_where(engine, model, connection, model.source_id, account_ids)
    if model in (Opportunity, AccountContact, TeamMember):
        return _live_where(engine, model, connection, model.account_source_id, account_ids)
    if model is Contact:
        related = _live_where(engine, AccountContact, connection, AccountContact.account_source_id, account_ids,
                              AccountContact.contact_source_id)  # fmt: skip
        on_it = _live_where(engine, Contact, connection, Contact.account_source_id, account_ids)
        return list(dict.fromkeys(on_it + related))
    if model is DealContact:
        deals = _live_where(engine, Opportunity, connection, Opportunity.account_source_id, account_ids)
        return _live_where(engine, DealContact, connection, DealContact.opportunity_source_id, deals)
    return []


def _live_where(
    engine: Engine, model: Any, connection: str, column: Any, values: list[str], selected: Any = None
) -> list[str]:
    """`selected` (the source id) of the live rows of `model` on `connection` whose `column` is in `values`."""
    found: list[str] = []
    with session(engine) as s:
        for start in range(0, len(values), 900):
            stmt = (
                select(model.source_id if selected is None else selected)
                .where(model.connection == connection, col(model.deleted_at).is_(None))
                .where(col(column).in_(values[start : start + 900]))
            )
            found += [str(value) for value in s.exec(stmt).all()]
    return found
