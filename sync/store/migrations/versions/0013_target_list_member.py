"""target list member: records published to a CRM list (or refused), so only membership changes are sent

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 07:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import sync.store.columns


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'target_list_member',
        sa.Column('connection', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('list_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('record_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('list_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('account_key', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
        sa.Column('rejected', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('published_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('connection', 'list_name', 'record_id'),
    )


def downgrade() -> None:
    op.drop_table('target_list_member')
