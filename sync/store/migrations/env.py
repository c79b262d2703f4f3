"""Alembic environment: runs on the connection handed in by `sync.store.migrate`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import sync.store.crm_directory
import sync.store.people_tables
import sync.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
