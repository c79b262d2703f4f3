"""opportunity owner: the CRM owner id of each opportunity/deal (Salesforce OwnerId, HubSpot hubspot_owner_id),
named on the account page's deals

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:05:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_column('owner')
