"""The people of a company: contacts with titles in several languages, their activity, roles on deals, the account team.

Pure, deterministic functions of `(WorldSpec, Company)` like `portfolio.deals`: nothing is kept in memory.
Each CRM half maps them to its own objects (Salesforce Contact, AccountContactRelation, OpportunityContactRole,
AccountTeamMember; HubSpot contacts with company and deal associations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sandbox.catalog import OWNERS
from sandbox.companies import Company, WorldSpec, instant, millis, stream
from sandbox.portfolio import Deal

__all__ = [
    "DEAL_ROLES",
    "EN_TITLES",
    "JA_TITLES",
    "MAX_PEOPLE",
    "SALES_TEAMS",
    "TEAM_ROLES",
    "DealRole",
    "Person",
    "TeamMember",
    "deal_roles",
    "people",
    "sales_team",
    "team",
]

MAX_PEOPLE: Final = 6  # contacts per company at most (ids and rows are laid out with this many slots)
# Titles as people type them: abbreviations, long forms, odd case, department prefixes.
EN_TITLES: Final = (
    "CEO", "Chief Executive Officer", "Founder & CEO", "CFO", "Chief Financial Officer", "VP Finance", "COO",
    "CIO", "CTO", "Chief Information Officer", "VP, Information Technology", "IT Director", "Director of IT",
    "Head of IT Infrastructure", "IT Manager", "Systems Administrator", "Enterprise Architect",
    "VP Sales", "Head of Operations", "Operations Manager", "Marketing Manager", "Sales Operations Analyst",
    "Procurement Manager", "Purchasing Lead", "Category Manager - Software", "Finance Controller",
    "Director, Customer Success", "Product Owner", "sr. data engineer", "Office Manager", "Consultant",
)  # fmt: skip
JA_TITLES: Final = (
    "代表取締役", "代表取締役社長", "取締役", "常務取締役", "執行役員", "CIO 兼 情報システム部長",
    "情報システム部 部長",
    "情報システム部 課長", "情報システム部", "経営企画部 部長", "財務部長", "経理部 課長", "購買部 部長", "調達課 係長",
    "営業部 部長", "営業部 課長", "製造部 主任", "総務部", "マネージャー", "部長", "課長",
)  # fmt: skip
TEAM_ROLES: Final = ("Account Executive", "Customer Success Manager", "Solutions Architect")
DEAL_ROLES: Final = ("Decision Maker", "Economic Buyer", "Technical Buyer", "Evaluator", "Influencer",
                     "Executive Sponsor", "Business User", "Champion")  # fmt: skip
FIRST_NAMES: Final = ("Alex", "Maria", "Sam", "Priya", "Jordan", "Chen", "Fatima", "Lukas", "Emma", "Hiro",
                      "Olivia", "Noah", "Sofia", "Mateo", "Aisha", "Liam")  # fmt: skip
LAST_NAMES: Final = ("Smith", "Garcia", "Müller", "Tanaka", "Brown", "Rossi", "Dubois", "Kelly", "Jansen", "Nguyen",
                     "Patel", "Silva", "Novak", "Lopez", "Cohen", "Walsh")  # fmt: skip
JA_FIRST: Final = ("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Yuto", "Mei")
JA_LAST: Final = ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura")
# The sales teams the world's owners belong to: (team number, name), by owner index (`sales_team`).
SALES_TEAMS: Final = ((4410001, "Enterprise Americas"), (4410002, "EMEA"), (4410003, "Japan & APAC"))
STALE_AFTER: Final = timedelta(days=365)
ROLES_KEPT: Final = timedelta(days=540)  # contact roles are found on deals closed since then, and on open ones
_PEOPLE_TAG: Final = 6
_TEAM_TAG: Final = 7
_ROLE_TAG: Final = 8


@dataclass(frozen=True, slots=True)
class Person:
    """One contact: `slot` (0 = the main contact) orders a company's people; `stale` people left long ago
    (no activity for over a year); `also_at` is a second company the person is related to (a board member of
    the parent, a consultant), or None."""

    company: int
    slot: int
    first_name: str
    last_name: str
    title: str
    created_at: datetime
    last_activity: datetime | None
    stale: bool
    also_at: int | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class DealRole:
    """A contact's role on a deal (Salesforce OpportunityContactRole, a HubSpot deal-contact label)."""

    deal: int
    slot: int
    role: str  # one of DEAL_ROLES
    primary: bool


@dataclass(frozen=True, slots=True)
class TeamMember:
    """An account team member: an index into `OWNERS` and one of `TEAM_ROLES`."""

    owner: int
    role: str


def sales_team(owner: int) -> tuple[int, str]:
    """The sales team of a world owner (one each; the inactive rep kept the team they left)."""
    return SALES_TEAMS[0 if owner < 8 else 1 if owner < 15 else 2]


def people(spec: WorldSpec, company: Company) -> tuple[Person, ...]:
    """The company's contacts (1 to MAX_PEOPLE; none for a merged duplicate), main contact first."""
    if company.merged_into is not None:
        return ()
    r = stream(spec, _PEOPLE_TAG, company.index)
    count = 1 + min(MAX_PEOPLE - 1, int(r.expovariate(1 / 2.2)))
    japanese = company.country == "Japan"
    out = []
    for slot in range(count):
        first, last = (JA_FIRST, JA_LAST) if japanese and r.random() < 0.8 else (FIRST_NAMES, LAST_NAMES)
        titles = JA_TITLES if japanese and r.random() < 0.85 else EN_TITLES
        created = millis(instant(r, company.created_at, company.modified_at))
        stale = slot > 0 and r.random() < 0.2
        recent = spec.now - timedelta(days=r.randint(1, 120))
        old = spec.now - STALE_AFTER - timedelta(days=r.randint(1, 400))
        last_activity = None if r.random() < 0.15 and not stale else millis(max(created, old if stale else recent))
        also_at = company.parent if company.parent is not None and slot == count - 1 and r.random() < 0.5 else None
        out.append(Person(company.index, slot, r.choice(first), r.choice(last), r.choice(titles), created,
                          last_activity, stale, also_at))  # fmt: skip
    return tuple(out)


def deal_roles(spec: WorldSpec, deal: Deal, crew: tuple[Person, ...]) -> tuple[DealRole, ...]:
    """Contact roles on one deal: most open or recently closed deals name one to three of the company's live
    people, one primary; deals closed more than `ROLES_KEPT` ago name nobody (reps stopped keeping them)."""
    live = [p for p in crew if not p.stale]
    if not live or (deal.is_closed and deal.close_date < (spec.now - ROLES_KEPT).date()):
        return ()
    r = stream(spec, _ROLE_TAG, deal.index)
    if r.random() < 0.25:
        return ()
    chosen = r.sample(live, min(len(live), r.randint(1, 3)))
    roles = r.sample(DEAL_ROLES, len(chosen))
    return tuple(
        DealRole(deal.index, p.slot, role, k == 0) for k, (p, role) in enumerate(zip(chosen, roles, strict=True))
    )


def team(spec: WorldSpec, company: Company) -> tuple[TeamMember, ...]:
    """The account team: the owner as AE, a CSM for customers, sometimes an SA; none for gone companies."""
    if company.merged_into is not None or company.deleted:
        return ()
    r = stream(spec, _TEAM_TAG, company.index)
    members = [TeamMember(company.owner, TEAM_ROLES[0])]
    others = [o.index for o in OWNERS if o.active and o.index != company.owner]
    if company.lifecycle != "prospect" and r.random() < 0.7:
        members.append(TeamMember(r.choice(others), TEAM_ROLES[1]))
    if r.random() < 0.4:
        taken = {m.owner for m in members}
        members.append(TeamMember(r.choice([o for o in others if o not in taken]), TEAM_ROLES[2]))
    return tuple(members)
