"""Salesforce people streams: Contact, AccountContactRelation, OpportunityContactRole, AccountTeamMember and User
mapped to the canonical records of `connectors.people` at the edge."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Final

from connectors.base import Page, Record, SkippedRecord
from connectors.people import PeopleKind

__all__ = ["PEOPLE_STREAMS", "canonical_pages", "people_kind"]

# stream -> (kind, fields read); `optional` fields are dropped quietly when the org lacks them.
PEOPLE_STREAMS: Final[Mapping[str, tuple[PeopleKind, tuple[str, ...]]]] = {
    "Contact": ("person", ("Id", "AccountId", "FirstName", "LastName", "Name", "Title", "Email", "OwnerId",
                           "LastActivityDate", "CreatedDate", "MasterRecordId", "IsDeleted")),
    "AccountContactRelation": ("account_contact", ("Id", "AccountId", "ContactId", "IsDirect", "IsActive", "Roles",
                                                   "EndDate", "IsDeleted")),
    "OpportunityContactRole": ("deal_contact", ("Id", "OpportunityId", "ContactId", "Role", "IsPrimary",
                                                "IsDeleted")),
    "AccountTeamMember": ("team_member", ("Id", "AccountId", "UserId", "TeamMemberRole", "IsDeleted")),
    "User": ("crm_user", ("Id", "Name", "Email", "Title", "Department", "IsActive")),
}  # fmt: skip
OPTIONAL: Final = frozenset({"IsDeleted", "EndDate", "Department", "LastActivityDate", "MasterRecordId"})
_CURSORS: Final = ("SystemModstamp", "LastModifiedDate", "CreatedDate")


def people_kind(stream: str) -> PeopleKind | None:
    found = PEOPLE_STREAMS.get(stream)
    return found[0] if found else None


def _text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    return None if value in (None, "") else str(value)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):  # a date-only field (LastActivityDate): that day's start
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _common(record: Mapping[str, Any]) -> Record:
    modified = next((record[c] for c in _CURSORS if isinstance(record.get(c), datetime)), None)
    return {"source_id": str(record["Id"]), "modified_at": modified, "deleted": record.get("IsDeleted") is True}


def _person(r: Mapping[str, Any]) -> Record:
    return {
        "account_source_id": _text(r, "AccountId"), "first_name": _text(r, "FirstName"),
        "last_name": _text(r, "LastName"), "name": _text(r, "Name"), "title": _text(r, "Title"),
        "email": _text(r, "Email"), "owner_source_id": _text(r, "OwnerId"),
        "last_activity_at": _instant(r.get("LastActivityDate")), "created_at": _instant(r.get("CreatedDate")),
        "merged_into": _text(r, "MasterRecordId"), "merged_from": [], "companies": None, "deals": None,
    }  # fmt: skip


def _account_contact(r: Mapping[str, Any]) -> Record:
    ended = r.get("EndDate")
    return {
        "contact_source_id": _text(r, "ContactId"), "account_source_id": _text(r, "AccountId"),
        "direct": r.get("IsDirect") is True, "active": r.get("IsActive") is not False, "roles": _text(r, "Roles"),
        "ended_on": ended if isinstance(ended, date) else None,
    }  # fmt: skip


def _deal_contact(r: Mapping[str, Any]) -> Record:
    return {"opportunity_source_id": _text(r, "OpportunityId"), "contact_source_id": _text(r, "ContactId"),
            "role": _text(r, "Role"), "primary": r.get("IsPrimary") is True}  # fmt: skip


def _team_member(r: Mapping[str, Any]) -> Record:
    return {"account_source_id": _text(r, "AccountId"), "user_source_id": _text(r, "UserId"),
            "role": _text(r, "TeamMemberRole")}  # fmt: skip


def _crm_user(r: Mapping[str, Any]) -> Record:
    return {"name": _text(r, "Name"), "email": _text(r, "Email"), "title": _text(r, "Title"),
            "team": _text(r, "Department"), "active": r.get("IsActive") is not False}  # fmt: skip


_MAPPERS: Final[Mapping[PeopleKind, Callable[[Mapping[str, Any]], Record]]] = {
    "person": _person, "account_contact": _account_contact, "deal_contact": _deal_contact,
    "team_member": _team_member, "crm_user": _crm_user,
}  # fmt: skip


def canonical(kind: PeopleKind, record: Mapping[str, Any]) -> Record:
    """One converted Salesforce record as the canonical record of its kind."""
    return {**_common(record), **_MAPPERS[kind](record)}


def canonical_pages(pages: Iterator[Page], stream: str) -> Iterator[Page]:
    """The pages of a people stream with canonical records (a record without an Id is skipped)."""
    kind = people_kind(stream)
    for page in pages:
        if kind is None:
            yield page
            continue
        records: list[Record] = []
        skipped = list(page.skipped)
        for record in page.records:
            if not record.get("Id"):
                skipped.append(SkippedRecord(None, "record without Id"))
                continue
            records.append(canonical(kind, record))
        yield replace(page, records=records, skipped=skipped)
