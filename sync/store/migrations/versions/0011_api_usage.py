"""api usage: a job's API calls per connection and UTC day, across runs (its daily budget share)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_usage',
        sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('connection', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('job', 'connection', 'day'),
    )


def downgrade() -> None:
    op.drop_table('api_usage')
