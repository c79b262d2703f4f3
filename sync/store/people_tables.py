"""The store's people tables: contacts, their accounts and deal roles, account teams and CRM users (owners)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from sync.store.columns import UTCDateTime

__all__ = ["AccountContact", "Contact", "CrmUser", "DealContact", "TeamMember"]


def _ts(*, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=index))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class Contact(SQLModel, table=True):
    """One contact as a CRM holds it; `companies`/`deals` keep the CRM's own association lists when it has them."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=64)
    account_source_id: str | None = Field(default=None, max_length=64, index=True)
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=512)
    title: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=255)
    owner_source_id: str | None = Field(default=None, max_length=64)
    last_activity_at: datetime | None = _ts()
    created_at: datetime | None = _ts()
    modified_at: datetime | None = _ts()
    merged_into: str | None = Field(default=None, max_length=64)
    companies: list[str] | None = _json()
    deals: list[list[str | None]] | None = _json()
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None


class AccountContact(SQLModel, table=True):
    """A contact's relation to an account (Salesforce AccountContactRelation; HubSpot contact-company
    associations, derived from the contact's own list)."""

    __tablename__ = "account_contact"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=160)
    contact_source_id: str = Field(max_length=64, index=True)
    account_source_id: str = Field(max_length=64, index=True)
    direct: bool = True
    active: bool = True
    roles: str | None = Field(default=None, max_length=4099)
    ended_on: date | None = None
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None


class DealContact(SQLModel, table=True):
    """A contact's role on an opportunity/deal (Salesforce OpportunityContactRole; HubSpot deal-contact labels)."""

    __tablename__ = "deal_contact"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=160)
    opportunity_source_id: str = Field(max_length=64, index=True)
    contact_source_id: str = Field(max_length=64, index=True)
    role: str | None = Field(default=None, max_length=255)
    is_primary: bool = False
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None


class TeamMember(SQLModel, table=True):
    """A user on an account's team, with the team role the CRM gives."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=64)
    account_source_id: str = Field(max_length=64, index=True)
    user_source_id: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=255)
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None


class CrmUser(SQLModel, table=True):
    """A CRM user or owner: the name behind an owner id, their team and whether they are active."""

    __tablename__ = "crm_user"
    __table_args__ = (UniqueConstraint("connection", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection: str = Field(max_length=64)
    source_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=255)
    team: str | None = Field(default=None, max_length=255)
    active: bool = True
    deleted_at: datetime | None = _ts()
    last_seen_run: int | None = None
