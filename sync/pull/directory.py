"""What the faces need to name and link a CRM's records: the address of an account's page in the CRM and the
owners' names, kept per connection as the connector last read them (`connectors.Directory`)."""

from __future__ import annotations

import structlog
from sqlalchemy import Engine
from sqlmodel import select

from connectors import ConnectorError, Directory, StopError
from sync.store import session
from sync.store.crm_directory import CrmDirectory
from sync.store.tables import utcnow
from sync.store.upsert import upsert

log = structlog.get_logger("accountsync.directory")
MAX_OWNERS = 50_000  # a directory bigger than this is cut (the page then shows the owner's id, labelled)


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
