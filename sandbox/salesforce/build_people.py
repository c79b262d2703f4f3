"""A company's people as Salesforce records: Contact, AccountContactRelation, OpportunityContactRole, AccountTeamMember.

Contacts to Multiple Accounts: each contact's own account is a direct relation (`IsDirect`); a contact related to
a second account (the parent's board member) has an indirect one there. A stale contact's direct relation is
inactive with an `EndDate`. Contact roles on deals and account teams use Salesforce's standard picklist values.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sandbox.people import DealRole, Person, TeamMember
from sandbox.salesforce.store import DELETED, LIVE
from sandbox.salesforce.values import to_days, to_ms

if TYPE_CHECKING:
    from sandbox.salesforce.build import Tables

__all__ = ["add_contact_roles", "add_people", "add_team"]

# The neutral deal roles as OpportunityContactRole.Role values (a standard org has no "Champion": Influencer).
ROLE_VALUES: Final = {"Champion": "Influencer"}
# The neutral team roles as AccountTeamMember.TeamMemberRole values of a standard org.
TEAM_VALUES: Final = {"Account Executive": "Sales Rep", "Customer Success Manager": "Account Manager",
                      "Solutions Architect": "Pre-Sales Consultant"}  # fmt: skip


def _audit(created: int, modified: int, creator: int) -> dict[str, Any]:
    return {"CreatedDate": created, "CreatedById": creator, "SystemModstamp": modified, "LastModifiedById": creator}


def add_people(tables: Tables, crew: tuple[Person, ...], account: int, owner: int, deleted_at: int | None) -> list[int]:
    """Append the company's contacts and their relations (deleted with a deleted account: Salesforce's cascade);
    returns the Contact row of each person (by slot)."""
    contacts, relations, accounts = tables["Contact"], tables["AccountContactRelation"], tables["Account"]
    rows = []
    for person in crew:
        created = to_ms(person.created_at)
        audit = _audit(created, created, owner)  # activity rolls up into LastActivityDate, not SystemModstamp
        row = contacts.append({"AccountId": account, "OwnerId": owner, "FirstName": person.first_name,
                               "LastName": person.last_name, "Title": person.title, "HasOptedOutOfEmail": False,
                               "LastActivityDate": _day(person.last_activity),
                               **audit}, state=_state(deleted_at))  # fmt: skip
        if deleted_at is not None:
            contacts.deleted_at[row] = deleted_at
        direct: dict[str, Any] = {"AccountId": account, "ContactId": row, "IsDirect": True,
                                  "IsActive": not person.stale,
                                  "Roles": "Decision Maker" if person.slot == 0 else None, **audit}  # fmt: skip
        made = relations.append(direct, state=_state(deleted_at))
        if deleted_at is not None:
            relations.deleted_at[made] = deleted_at
        if person.stale and person.last_activity is not None:
            relations.columns["EndDate"].set(made, to_days(person.last_activity.date()))
        other = accounts.row_for_counter(person.also_at) if person.also_at is not None else None
        if other is not None and accounts.live(other) and deleted_at is None:
            relations.append({"AccountId": other, "ContactId": row, "IsDirect": False, "IsActive": True,
                              "Roles": "Influencer", **audit})  # fmt: skip
        rows.append(row)
    return rows


def add_contact_roles(tables: Tables, roles: tuple[DealRole, ...], opportunity: int, contacts: list[int],
                      stamp: int, owner: int, deleted_at: int | None) -> None:  # fmt: skip
    """OpportunityContactRole rows of one opportunity (deleted with it)."""
    table = tables["OpportunityContactRole"]
    for role in roles:
        values = {"OpportunityId": opportunity, "ContactId": contacts[role.slot],
                  "Role": ROLE_VALUES.get(role.role, role.role), "IsPrimary": role.primary,
                  **_audit(stamp, stamp, owner)}  # fmt: skip
        row = table.append(values, state=_state(deleted_at))
        if deleted_at is not None:
            table.deleted_at[row] = deleted_at


def add_team(tables: Tables, members: tuple[TeamMember, ...], account: int, stamp: int) -> None:
    """AccountTeamMember rows (the users are rows 0..19, one per world owner)."""
    table = tables["AccountTeamMember"]
    for member in members:
        table.append({"AccountId": account, "UserId": member.owner, "TeamMemberRole": TEAM_VALUES[member.role],
                      "AccountAccessLevel": "Edit", "OpportunityAccessLevel": "Read",
                      **_audit(stamp, stamp, member.owner)})  # fmt: skip


def _day(moment: datetime | None) -> int | None:
    return to_days(moment.date()) if moment is not None else None


def _state(deleted_at: int | None) -> int:
    return LIVE if deleted_at is None else DELETED
