"""crm directory: per connection, the address of an account's page in the CRM and the owners' names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 07:05:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import sync.store.columns


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'crm_directory',
        sa.Column('connection', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('account_url', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column('owners', sa.JSON(), nullable=True),
        sa.Column('updated_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('connection'),
    )


def downgrade() -> None:
    op.drop_table('crm_directory')
