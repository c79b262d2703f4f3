"""What the faces need to name and link a CRM's records: the address of an account's page in the CRM and the
owners' names, kept per connection as the connector last read them (`connectors.Directory`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import JSON, Column, Engine
from sqlmodel import Field, SQLModel, select

from connectors import ConnectorError, Directory, StopError
from sync.columns import UTCDateTime
from sync.store import session
from sync.tables import utcnow
from sync.upsert import upsert

log = structlog.get_logger("accountsync.directory")
MAX_OWNERS = 50_000  # a directory bigger than this is cut (the page then shows the owner's id, labelled)


class CrmDirectory(SQLModel, table=True):
    """A connection's account page address (`{id}` stands for the record id) and owner id -> name."""

    __tablename__ = "crm_directory"

    connection: str = Field(primary_key=True, max_length=64)
    account_url: str | None = Field(default=None, max_length=512)
    owners: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def store_directory(engine: Engine, connection: str, directory: Directory | None) -> None:
    """Keep what the connector read (nothing when it could not say: the last one read stays)."""
    if directory is None:
        return
    owners = dict(list(directory.owners.items())[:MAX_OWNERS])
    row = {"connection": connection, "account_url": directory.account_url, "owners": owners, "updated_at": utcnow()}
    with session(engine) as s, s.begin():
        upsert(s, CrmDirectory, [row], keys=("connection",))


def load_directories(engine: Engine) -> dict[str, Directory]:
    """Connection -> its directory, as last read."""
    with session(engine) as s:
        rows = s.exec(select(CrmDirectory)).all()
    return {r.connection: Directory(r.account_url, {str(k): str(v) for k, v in (r.owners or {}).items()}) for r in rows}


def read_directory(connector: object) -> Directory | None:
    """The connector's directory, or None when it has none or cannot read it now (the pages then show ids and no
    links; not an error of the run: nothing the job does depends on it)."""
    read = getattr(connector, "directory", None)
    if read is None:
        return None
    try:
        directory = read()
    except StopError:
        raise
    except ConnectorError as exc:
        log.info("directory not read", connection=getattr(connector, "name", None), reason=str(exc))
        return None
    return directory if isinstance(directory, Directory) else None
