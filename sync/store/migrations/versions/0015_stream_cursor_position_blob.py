"""stream cursor position blob: the connector's own resume state in one opaque JSON column

Salesforce Bulk's job id and locator were columns of the shared cursor table, and the rest of a position's
connector state (the Bulk offset, HubSpot's search segments and listing `after`) sat in `state["extra"]`
beside what sync reads of it. Now a position is typed: sync's `complete` and `needs_full_resync` move to the
top of `state`, everything else the connector put there moves into `position_blob` (a Bulk position as
`{"job_id", "locator", "offset"}`, which the Salesforce connector reads back), and the two Bulk columns go.
A window in progress when the store is upgraded resumes where it stood.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:10:00
"""
from typing import Any

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SYNC_OWNED = ("complete", "needs_full_resync")  # what sync reads of a position: typed fields now
KEY = ("job", "connection", "stream")


def _cursors(*extra: sa.ColumnClause[Any]) -> sa.TableClause:
    columns = [sa.column(name, sa.String) for name in (*KEY, "mode")]
    return sa.table("stream_cursor", *columns, sa.column("state", sa.JSON(none_as_null=True)), *extra)


def _kept(row: Any, state: dict[str, Any]) -> dict[str, Any] | None:
    """The new state, null where the row's was."""
    return None if row["state"] is None else state


def upgrade() -> None:
    with op.batch_alter_table('stream_cursor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position_blob', sa.JSON(), nullable=True))
    t = _cursors(sa.column("bulk_job_id", sa.String), sa.column("bulk_locator", sa.String),
                 sa.column("position_blob", sa.JSON(none_as_null=True)))  # fmt: skip
    bind = op.get_bind()
    for row in bind.execute(sa.select(t)).mappings().all():
        state = dict(row["state"] or {})
        extra = dict(state.pop("extra", None) or {})
        state.update({name: bool(extra.pop(name)) for name in SYNC_OWNED if name in extra})
        if row["bulk_job_id"]:
            extra |= {"job_id": row["bulk_job_id"], "locator": row["bulk_locator"] or "",
                      "offset": int(extra.get("offset") or 0)}  # fmt: skip
        blob = extra if row["mode"] is not None else None
        where = sa.and_(*(t.c[name] == row[name] for name in KEY))
        bind.execute(sa.update(t).where(where).values(state=_kept(row, state), position_blob=blob))
    with op.batch_alter_table('stream_cursor', schema=None) as batch_op:
        batch_op.drop_column('bulk_locator')
        batch_op.drop_column('bulk_job_id')


def downgrade() -> None:
    with op.batch_alter_table('stream_cursor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulk_job_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('bulk_locator', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
    t = _cursors(sa.column("bulk_job_id", sa.String), sa.column("bulk_locator", sa.String),
                 sa.column("position_blob", sa.JSON(none_as_null=True)))  # fmt: skip
    bind = op.get_bind()
    for row in bind.execute(sa.select(t)).mappings().all():
        state = dict(row["state"] or {})
        extra = dict(row["position_blob"] or {})
        job_id, locator = extra.pop("job_id", None), extra.pop("locator", None)
        extra |= {name: state.pop(name) for name in SYNC_OWNED if name in state}
        if row["mode"] is not None:
            state["extra"] = extra
        where = sa.and_(*(t.c[name] == row[name] for name in KEY))
        values = {"state": _kept(row, state), "bulk_job_id": job_id, "bulk_locator": locator}
        bind.execute(sa.update(t).where(where).values(**values))
    with op.batch_alter_table('stream_cursor', schema=None) as batch_op:
        batch_op.drop_column('position_blob')
