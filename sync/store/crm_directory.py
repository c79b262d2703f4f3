"""The `crm_directory` table: per connection, the address of an account's page in the CRM and the owners' names
(read and written by `sync.pull.directory`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from sync.store.columns import UTCDateTime


class CrmDirectory(SQLModel, table=True):
    """A connection's account page address (`{id}` stands for the record id) and owner id -> name."""

    __tablename__ = "crm_directory"

    connection: str = Field(primary_key=True, max_length=64)
    account_url: str | None = Field(default=None, max_length=512)
    owners: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
