"""A job run on a fresh store migrates it first: an empty database (no tables, no revision) is brought to head."""

from __future__ import annotations

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from sync.errors import StoreError
from sync.store.migrate import current_revision, upgrade


def migrate_if_fresh(engine: Engine) -> str | None:
    """Migrate the store to head when it is empty (no revision and no table at all); returns the revision it now
    has, or None when it was not fresh (a store at another revision is left to `accountsync db upgrade`).

    Raises:
        StoreError: the store cannot be reached.
    """
    try:
        if current_revision(engine) is not None or inspect(engine).get_table_names():
            return None
    except OperationalError as exc:
        raise StoreError(f"cannot reach the store: {exc.orig or exc}") from None
    return upgrade(engine)
