"""The store's people per account key, as the pure coverage code takes them (`scoring.coverage.AccountPeople`).

A contact belongs to every account it is related to (its own account, and its live, active account relations);
its CRM roles are its contact roles on that account's deals; it is on an open deal when one of those deals is
open. The account team is the team members' roles, and the account owner counts as the account executive.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from config import Deployment
from scoring.coverage import AccountPeople, PersonFacts, coverage_frame
from sync.store.engine import session
from sync.store.people_tables import AccountContact, Contact, DealContact, TeamMember
from sync.store.tables import Opportunity, SourceAccount

__all__ = ["OWNER_ROLE", "account_people", "coverage_input", "has_people"]

OWNER_ROLE = "Account Executive"  # what the account owner counts as on the account team
Ref = tuple[str, str]  # (connection, source id)


def has_people(engine: Engine) -> bool:
    """Whether any contact was pulled (coverage is left out of scoring until one was)."""
    with session(engine) as s:
        return s.exec(select(Contact.id).limit(1)).first() is not None


def _accounts(s: Session) -> tuple[dict[Ref, str], dict[str, int | None], dict[str, list[str]]]:
    keys: dict[Ref, str] = {}
    employees: dict[str, int | None] = {}
    team: dict[str, list[str]] = defaultdict(list)
    table: Any = SourceAccount  # five columns: past sqlmodel's typed overloads of select
    stmt = sa_select(table.connection, table.source_id, table.account_key, table.employees, table.owner)
    rows = s.execute(stmt.where(col(SourceAccount.deleted_at).is_(None), col(SourceAccount.account_key).is_not(None)))
    for connection, source_id, key, size, owner in rows:
        keys[(connection, source_id)] = key
        if size is not None or key not in employees:
            employees[key] = max(size, employees.get(key) or 0) if size is not None else employees.get(key)
        if owner and OWNER_ROLE not in team[key]:
            team[key].append(OWNER_ROLE)
    return keys, employees, team


def _memberships(s: Session, keys: dict[Ref, str]) -> dict[Ref, set[str]]:
    """Contact -> the account keys it belongs to."""
    found: dict[Ref, set[str]] = defaultdict(set)
    for connection, contact, account in s.exec(
        select(Contact.connection, Contact.source_id, Contact.account_source_id).where(
            col(Contact.deleted_at).is_(None)
        )
    ):
        if account and (key := keys.get((connection, account))):
            found[(connection, contact)].add(key)
    relations = select(AccountContact.connection, AccountContact.contact_source_id, AccountContact.account_source_id)
    for connection, contact, account in s.exec(
        relations.where(col(AccountContact.deleted_at).is_(None), col(AccountContact.active).is_(True))
    ):
        if key := keys.get((connection, account)):
            found[(connection, contact)].add(key)
    return found


def _deal_roles(s: Session) -> dict[Ref, list[tuple[str, str | None, bool]]]:
    """Contact -> (account key, role, deal open?) of each of its live deal roles."""
    deals = {(c, i): (k, not closed) for c, i, k, closed in s.exec(
        select(Opportunity.connection, Opportunity.source_id, Opportunity.account_key, Opportunity.is_closed)
        .where(col(Opportunity.deleted_at).is_(None), col(Opportunity.account_key).is_not(None)))}  # fmt: skip
    found: dict[Ref, list[tuple[str, str | None, bool]]] = defaultdict(list)
    for connection, deal, contact, role in s.exec(
        select(
            DealContact.connection, DealContact.opportunity_source_id, DealContact.contact_source_id, DealContact.role
        ).where(col(DealContact.deleted_at).is_(None))
    ):
        if (known := deals.get((connection, deal))) is not None:
            found[(connection, contact)].append((str(known[0]), role, known[1]))
    return found


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def account_people(engine: Engine, only: str | None = None) -> list[AccountPeople]:
    """Every live account key (or only account `only`) with its live contacts (possibly none), employees and
    team roles."""
    with session(engine) as s:
        keys, employees, team = _accounts(s)
        if only is not None:
            keys = {ref: key for ref, key in keys.items() if key == only}
        members = _memberships(s, keys)
        roles = _deal_roles(s)
        contacts = {
            (c.connection, c.source_id): c for c in s.exec(select(Contact).where(col(Contact.deleted_at).is_(None)))
        }
        for connection, account, role in s.exec(
            select(TeamMember.connection, TeamMember.account_source_id, TeamMember.role).where(
                col(TeamMember.deleted_at).is_(None)
            )
        ):
            if role and (key := keys.get((connection, account))):
                team[key].append(role)
    people: dict[str, list[PersonFacts]] = defaultdict(list)
    for ref, account_keys in members.items():
        contact = contacts.get(ref)
        if contact is None:
            continue
        for key in sorted(account_keys):
            mine = [(role, open_deal) for k, role, open_deal in roles.get(ref, []) if k == key]
            people[key].append(PersonFacts(
                contact_id=f"{ref[0]}:{ref[1]}", name=contact.name, title=contact.title,
                crm_roles=tuple(role for role, _ in mine if role), last_activity=_day(contact.last_activity_at),
                on_open_deal=any(open_deal for _, open_deal in mine), email=contact.email,
            ))  # fmt: skip
    return [AccountPeople(key, employees.get(key), tuple(people.get(key, ())), tuple(team.get(key, ())))
            for key in sorted(set(keys.values()))]  # fmt: skip


def coverage_input(engine: Engine, deployment: Deployment, as_of: date) -> pl.DataFrame | None:
    """Each account's coverage figures at `as_of` (`scoring.coverage_frame`), the scoring input that weighs the
    coverage component into the score (docs/account-mapping.md); None while no contact has been pulled."""
    if not has_people(engine):
        return None
    return coverage_frame(deployment.scoring.account_mapping, account_people(engine), as_of)
