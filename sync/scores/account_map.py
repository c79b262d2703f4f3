"""The account map of one account (the dashboard's buying committee): people grouped by buying role, engaged or
not, the roles its segment needs that nobody covers, and the account team with names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import col, select

from config import AccountMapping
from scoring.coverage import DEFAULT_TEAM_ROLES, ROLE_WORDS, account_coverage
from sync.pull.directory import load_directories
from sync.scores.coverage_store import OWNER_ROLE, account_people
from sync.store.engine import session
from sync.store.people_tables import CrmUser, TeamMember
from sync.store.tables import SourceAccount

__all__ = ["AccountMap", "MapPerson", "MapRole", "TeamSeatView", "account_map"]

SEATS = (("ae", "Account executive"), ("csm", "Customer success"), ("sa", "Solutions architect"))


@dataclass(frozen=True, slots=True)
class MapPerson:
    name: str
    title: str | None
    engaged: bool
    rule: str


@dataclass(frozen=True, slots=True)
class MapRole:
    role: str  # the buying role's key
    label: str  # its words
    required: bool
    people: tuple[MapPerson, ...]

    @property
    def covered(self) -> bool:
        return any(p.engaged for p in self.people)


@dataclass(frozen=True, slots=True)
class TeamSeatView:
    seat: str
    label: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountMap:
    key: str
    segment: str
    coverage: float  # percent
    engaged: int
    single_threaded: bool
    roles: tuple[MapRole, ...]  # required roles first (in the configured order), then the others held
    missing: tuple[str, ...]  # words
    team: tuple[TeamSeatView, ...]
    reasons: tuple[str, ...]


def _team_names(engine: Engine, key: str) -> dict[str, list[str]]:
    """Seat -> names of the people in it (the owner as the account executive): a pulled user's name, else the
    CRM owner directory's (a job that pulls no users, as the account header), else the CRM's id."""
    seats: dict[str, list[str]] = {seat: [] for seat, _ in SEATS}
    with session(engine) as s:
        sources = s.exec(select(SourceAccount).where(SourceAccount.account_key == key,
                                                     col(SourceAccount.deleted_at).is_(None))).all()  # fmt: skip
        held = [(OWNER_ROLE, a.connection, a.owner) for a in sources if a.owner]
        for a in sources:
            rows = s.exec(select(TeamMember).where(TeamMember.connection == a.connection,
                                                   TeamMember.account_source_id == a.source_id,
                                                   col(TeamMember.deleted_at).is_(None))).all()  # fmt: skip
            held += [(t.role or "", a.connection, t.user_source_id) for t in rows]
        ids = sorted({user for _, _, user in held})
        found = s.exec(select(CrmUser).where(col(CrmUser.source_id).in_(ids))).all() if ids else []
    users = {(u.connection, u.source_id): u.name for u in found}
    unnamed = any(not users.get((connection, user)) for _, connection, user in held)
    directories = load_directories(engine) if unnamed else {}
    for role, connection, user in held:
        seat = DEFAULT_TEAM_ROLES.get(role.strip().lower())
        directory = directories.get(connection)
        name = users.get((connection, user)) or (directory.owners.get(user) if directory else None) or user
        if seat is not None and name not in seats[seat]:
            seats[seat].append(name)
    return seats


def account_map(engine: Engine, settings: AccountMapping, key: str, as_of: date) -> AccountMap | None:
    """The map of account `key` at `as_of`; None when the store holds no such live account."""
    found = [a for a in account_people(engine, only=key) if a.account_key == key]
    if not found:
        return None
    coverage = account_coverage(settings, found[0], as_of)
    by_role: dict[str, list[MapPerson]] = {}
    for person in coverage.people:
        name = person.facts.name or person.facts.contact_id
        by_role.setdefault(person.role.role, []).append(MapPerson(name, person.facts.title, person.engaged,
                                                                  person.role.rule))  # fmt: skip
    order = [*coverage.required, *(r for r in ROLE_WORDS if r not in coverage.required and r in by_role)]
    roles = tuple(MapRole(r, ROLE_WORDS[r], r in coverage.required,
                          tuple(sorted(by_role.get(r, []), key=lambda p: (not p.engaged, p.name))))
                  for r in order)  # fmt: skip
    seats = _team_names(engine, key)
    return AccountMap(
        key=key, segment=coverage.segment.replace("_", "-"), coverage=round(100 * coverage.coverage, 1),
        engaged=coverage.engaged_contacts, single_threaded=coverage.single_threaded, roles=roles,
        missing=tuple(ROLE_WORDS[r] for r in coverage.missing),
        team=tuple(TeamSeatView(seat, label, tuple(seats[seat])) for seat, label in SEATS), reasons=coverage.reasons,
    )  # fmt: skip
