"""The account 360 view: an account's latest score with where the CRMs hold it, its deals, dated score and health
history over job runs, and its monthly usage, read from the store for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from config import Deployment
from connectors import Directory
from sync.pull.directory import load_directories
from sync.scores.owner_names import owner_names
from sync.scores.ranking import AccountDetail, account_detail
from sync.store import session
from sync.store.currency import crm_currencies, effective_rates
from sync.store.tables import AccountScore, Opportunity, ScoringRun, SourceAccount, StageMeta, Usage

HISTORY_POINTS = 24  # job runs shown in the score history


@dataclass(frozen=True, slots=True)
class CrmRecord:
    """One CRM record of the account, with the address of its page in that CRM (None when unknown)."""

    connection: str
    crm: str
    record_id: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Deal:
    """An opportunity/deal of the account: stage by its label, amount in its currency and in ours."""

    connection: str
    record_id: str
    name: str | None
    stage: str | None
    pipeline: str | None
    amount: Decimal | None
    currency: str
    amount_ours: float | None
    close_date: date | None
    is_closed: bool
    is_won: bool
    owner: str | None = None  # the owner's name as a CRM gives it, else the CRM's owner id


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """The account's score and health in one job run's scoring, dated by when it was scored."""

    run_id: int | None
    scored_at: datetime | None
    as_of: date
    score: float | None
    health: float | None
    tier: str | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One month of product usage."""

    month: date
    active_users: int | None
    licensed_seats: int | None


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns the account: a name when a CRM's directory has it, else the CRM's id, labelled as such."""

    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Account360:
    """Everything the account page shows, money in `currency` (ours) unless a deal says otherwise."""

    detail: AccountDetail
    currency: str
    records: list[CrmRecord]
    owner: Owner | None
    deals: list[Deal]
    history: list[HistoryPoint]
    usage: list[UsagePoint]


def account_360(engine: Engine, deployment: Deployment, key: str) -> Account360 | None:
    """The account `key` as its page shows it; None when it was never scored."""
    detail = account_detail(engine, key)
    if detail is None:
        return None
    directories = load_directories(engine)
    with session(engine) as s:
        sources = s.exec(
            select(SourceAccount)
            .where(SourceAccount.account_key == key, col(SourceAccount.deleted_at).is_(None))
            .order_by(col(SourceAccount.connection), col(SourceAccount.source_id))
        ).all()
        records = [CrmRecord(r.connection, r.crm, r.source_id, _url(directories.get(r.connection), r.source_id))
                   for r in sources]  # fmt: skip
        owner = _owner(detail.account.owner, [(r.connection, r.owner) for r in sources], directories)
    deals = _deals(engine, deployment, key, directories)
    return Account360(detail, deployment.currency.corporate, records, owner, deals, _history(engine, key),
                      _usage(engine, key))  # fmt: skip


def _url(directory: Directory | None, record_id: str) -> str | None:
    if directory is None or not directory.account_url:
        return None
    return directory.account_url.replace("{id}", record_id)


def _owner(owner_id: str | None, held: list[tuple[str, str | None]], directories: dict[str, Directory]) -> Owner | None:
    """The merged owner's name from the directory of a CRM that holds the account with that owner."""
    if not owner_id:
        return None
    for connection, source_owner in held:
        directory = directories.get(connection)
        if source_owner == owner_id and directory is not None and owner_id in directory.owners:
            return Owner("Owner", directory.owners[owner_id])
    return Owner("Owner ID", owner_id)


def _deals(engine: Engine, deployment: Deployment, key: str, directories: dict[str, Directory]) -> list[Deal]:
    rates = effective_rates(engine, deployment.currency).static
    own = crm_currencies(engine)
    ours = deployment.currency.corporate
    with session(engine) as s:
        rows = s.exec(
            select(Opportunity)
            .where(Opportunity.account_key == key, col(Opportunity.deleted_at).is_(None))
            .order_by(col(Opportunity.close_date).desc(), col(Opportunity.source_id))
        ).all()
        stages = {(m.connection, m.stage): m for m in s.exec(select(StageMeta)).all()}
    names = owner_names(engine, [o.owner for o in rows if o.owner], directories)
    deals = []
    for o in rows:
        meta = stages.get((o.connection, o.stage or ""))
        currency = o.currency or own.get(o.connection) or ours
        rate = Decimal(1) if currency == ours else rates.get(currency)
        in_ours = float(o.amount * rate) if o.amount is not None and rate is not None else None
        deals.append(Deal(o.connection, o.source_id, o.name, (meta.label if meta else None) or o.stage,
                          meta.pipeline_label if meta else None, o.amount, currency, in_ours, o.close_date,
                          o.is_closed, o.is_won, names.get(o.owner or "", o.owner)))  # fmt: skip
    return deals


def _history(engine: Engine, key: str) -> list[HistoryPoint]:
    """One point per scoring run that scored the account (the job runs'), oldest first."""
    with session(engine) as s:
        rows = s.exec(
            select(AccountScore, ScoringRun)
            .join(ScoringRun, col(ScoringRun.id) == col(AccountScore.scoring_run_id))
            .where(AccountScore.account_key == key)
            .order_by(col(ScoringRun.id).desc())
            .limit(HISTORY_POINTS)
        ).all()
    points = [HistoryPoint(run.run_id, run.created_at, run.as_of, score.score, _health(score.figures), score.tier,
                           score.rank) for score, run in rows]  # fmt: skip
    return points[::-1]


def _health(figures: dict[str, Any] | None) -> float | None:
    value = (figures or {}).get("health")
    return float(value) if isinstance(value, int | float) else None


def _usage(engine: Engine, key: str) -> list[UsagePoint]:
    with session(engine) as s:
        rows = s.exec(select(Usage).where(Usage.account_key == key).order_by(col(Usage.month))).all()
    return [UsagePoint(u.month, u.active_users, u.licensed_seats) for u in rows]
