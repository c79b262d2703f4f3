"""Buying-committee coverage of one account (docs/account-mapping.md): roles covered out of the roles its segment
needs, engaged contacts, single-threading, the account team, a 0-100 score component and its reasons.

Pure: facts about the account's people in, a `Coverage` out; the as-of date is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

import polars as pl

from config.account_mapping import AccountMapping, BuyingRole, SegmentName
from scoring.buying_roles import Classification, classifier_for

__all__ = [
    "COVERAGE_COLUMNS",
    "DEFAULT_TEAM_ROLES",
    "ROLE_WORDS",
    "AccountPeople",
    "Coverage",
    "MappedPerson",
    "PersonFacts",
    "TeamSeat",
    "account_coverage",
    "coverage_frame",
    "one_per_person",
    "segment_of",
]

TeamSeat = Literal["ae", "csm", "sa"]
# CRM team roles (Salesforce TeamMemberRole picklist values, our own names) -> the seat they fill.
DEFAULT_TEAM_ROLES: Final[Mapping[str, TeamSeat]] = {
    "account executive": "ae", "sales rep": "ae", "account owner": "ae", "owner": "ae",
    "customer success manager": "csm", "account manager": "csm", "csm": "csm",
    "solutions architect": "sa", "pre-sales consultant": "sa", "sales engineer": "sa", "solution engineer": "sa",
}  # fmt: skip
ROLE_WORDS: Final[Mapping[BuyingRole, str]] = {
    "executive_sponsor": "executive sponsor", "economic_buyer": "economic buyer", "it_technical": "IT",
    "line_user": "line/user", "procurement": "procurement", "champion": "champion", "unknown": "unknown",
}  # fmt: skip
SINGLE_THREAD_FACTOR: Final = 0.5


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the store knows of one live contact of the account."""

    contact_id: str
    name: str | None
    title: str | None
    crm_roles: tuple[str, ...] = ()  # contact roles on the account's deals / association labels
    last_activity: date | None = None  # latest activity or the CRM's engagement date
    on_open_deal: bool = False  # holds a contact role on an open deal of the account
    email: str | None = None  # one person held in both CRMs has a record in each, with this address in both


@dataclass(frozen=True, slots=True)
class AccountPeople:
    """One account's contacts and team (`team_roles`: the CRM team roles of its team members)."""

    account_key: str
    employees: int | None
    people: tuple[PersonFacts, ...]
    team_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MappedPerson:
    """A contact with its buying role, the rule that gave it and whether it is engaged."""

    facts: PersonFacts
    role: Classification
    engaged: bool


@dataclass(frozen=True, slots=True)
class Coverage:
    """Coverage of one account; `component` is 0-100 (the score's coverage component)."""

    account_key: str
    segment: SegmentName
    required: tuple[BuyingRole, ...]
    covered: tuple[BuyingRole, ...]
    missing: tuple[BuyingRole, ...]
    coverage: float  # covered / required, 0..1
    engaged_contacts: int
    single_threaded: bool
    team: Mapping[TeamSeat, bool]
    component: float
    reasons: tuple[str, ...]
    people: tuple[MappedPerson, ...]


def segment_of(settings: AccountMapping, employees: int | None) -> SegmentName:
    """enterprise / mid_market / smb by employees; an account of unknown size is mid-market."""
    if employees is None:
        return "mid_market"
    if employees >= settings.enterprise_employees:
        return "enterprise"
    return "mid_market" if employees >= settings.mid_market_employees else "smb"


def _engaged(person: PersonFacts, since: date) -> bool:
    return person.on_open_deal or (person.last_activity is not None and person.last_activity >= since)


def _team(team_roles: Sequence[str], seats: Mapping[str, TeamSeat]) -> dict[TeamSeat, bool]:
    held = {seats.get(role.strip().lower()) for role in team_roles}
    return {"ae": "ae" in held, "csm": "csm" in held, "sa": "sa" in held}


def _reasons(missing: Sequence[BuyingRole], engaged: int) -> tuple[str, ...]:
    people = ("no engaged contact",) if engaged == 0 else ("single-threaded",) if engaged == 1 else ()
    return (*people, *(f"no {ROLE_WORDS[role]} contact" for role in missing))


def one_per_person(people: Sequence[PersonFacts]) -> tuple[PersonFacts, ...]:
    """The account's contacts with each person once (docs/account-mapping.md section 3): records with the same
    e-mail address (trimmed, case-insensitive) are one person, as an account held in both CRMs has its people in
    both. The person's id, name and title are those of the record active most recently (else the first by id),
    their CRM roles those of every record, engaged when any record is; a record without an address is its own."""
    groups: dict[str, list[PersonFacts]] = {}
    for person in people:
        address = (person.email or "").strip().lower()
        groups.setdefault(address or f"\0{person.contact_id}", []).append(person)
    merged = []
    for records in groups.values():
        if len(records) == 1:
            merged.append(records[0])
            continue
        records.sort(key=lambda p: p.contact_id)
        lead = max(records, key=lambda p: p.last_activity or date.min)  # the first by id among equals
        merged.append(PersonFacts(
            contact_id=lead.contact_id, name=lead.name or next((p.name for p in records if p.name), None),
            title=lead.title or next((p.title for p in records if p.title), None),
            crm_roles=tuple(dict.fromkeys(role for p in records for role in p.crm_roles)),
            last_activity=max((p.last_activity for p in records if p.last_activity), default=None),
            on_open_deal=any(p.on_open_deal for p in records), email=lead.email,
        ))  # fmt: skip
    return tuple(merged)


def account_coverage(
    settings: AccountMapping, account: AccountPeople, as_of: date, team_seats: Mapping[str, TeamSeat] | None = None
) -> Coverage:
    """Coverage of one account at `as_of` (see docs/account-mapping.md for each figure), each person once."""
    classifier = classifier_for(settings)
    since = as_of - timedelta(days=settings.engaged_days)
    mapped = tuple(
        MappedPerson(p, classifier.classify(p.title, p.crm_roles), _engaged(p, since))
        for p in one_per_person(account.people)
    )
    segment = segment_of(settings, account.employees)
    required = tuple(dict.fromkeys(settings.required_roles.get(segment, [])))
    held = {m.role.role for m in mapped if m.engaged}
    covered = tuple(role for role in required if role in held)
    missing = tuple(role for role in required if role not in held)
    engaged = sum(1 for m in mapped if m.engaged)
    share = len(covered) / len(required) if required else 1.0
    single = engaged == 1
    component = 0.0 if engaged == 0 else round(100 * share * (SINGLE_THREAD_FACTOR if single else 1.0), 1)
    return Coverage(
        account_key=account.account_key, segment=segment, required=required, covered=covered, missing=missing,
        coverage=round(share, 4), engaged_contacts=engaged, single_threaded=single,
        team=_team(account.team_roles, team_seats or DEFAULT_TEAM_ROLES), component=component,
        reasons=_reasons(missing, engaged), people=mapped,
    )  # fmt: skip


COVERAGE_COLUMNS: Final = ("key", "coverage", "coverage_component", "missing_roles", "single_threaded",
                           "engaged_contacts", "coverage_reasons")  # fmt: skip


def coverage_frame(settings: AccountMapping, accounts: Sequence[AccountPeople], as_of: date) -> pl.DataFrame:
    """One row per account (COVERAGE_COLUMNS): coverage 0..1, the 0-100 component, missing roles as words."""
    rows = [account_coverage(settings, account, as_of) for account in accounts]
    return pl.DataFrame(
        {
            "key": [c.account_key for c in rows],
            "coverage": [round(100 * c.coverage, 1) for c in rows],  # percent
            "coverage_component": [c.component for c in rows],
            "missing_roles": [[ROLE_WORDS[r] for r in c.missing] for c in rows],
            "single_threaded": [c.single_threaded for c in rows],
            "engaged_contacts": [c.engaged_contacts for c in rows],
            "coverage_reasons": [list(c.reasons) for c in rows],
        },
        schema={
            "key": pl.String(),
            "coverage": pl.Float64(),
            "coverage_component": pl.Float64(),
            "missing_roles": pl.List(pl.String()),
            "single_threaded": pl.Boolean(),
            "engaged_contacts": pl.Int64(),
            "coverage_reasons": pl.List(pl.String()),
        },
    )
