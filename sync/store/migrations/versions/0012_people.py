"""people: contacts, their account relations and deal roles, account team members and CRM users (issue #22)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sync.store.columns


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _s(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sync.store.columns.UTCDateTime(timezone=True), nullable=True)


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade() -> None:
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection', _s(64), nullable=False),
    sa.Column('source_id', _s(64), nullable=False),
    sa.Column('account_source_id', _s(64), nullable=True),
    sa.Column('first_name', _s(255), nullable=True),
    sa.Column('last_name', _s(255), nullable=True),
    sa.Column('name', _s(512), nullable=True),
    sa.Column('title', _s(255), nullable=True),
    sa.Column('email', _s(255), nullable=True),
    sa.Column('owner_source_id', _s(64), nullable=True),
    _ts('last_activity_at'),
    _ts('created_at'),
    _ts('modified_at'),
    sa.Column('merged_into', _s(64), nullable=True),
    sa.Column('companies', sa.JSON(), nullable=True),
    sa.Column('deals', sa.JSON(), nullable=True),
    _ts('deleted_at'),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection', 'source_id')
    )
    _index('contact', 'account_source_id')
    op.create_table('account_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection', _s(64), nullable=False),
    sa.Column('source_id', _s(160), nullable=False),
    sa.Column('contact_source_id', _s(64), nullable=False),
    sa.Column('account_source_id', _s(64), nullable=False),
    sa.Column('direct', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('roles', _s(4099), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    _ts('deleted_at'),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection', 'source_id')
    )
    _index('account_contact', 'account_source_id', 'contact_source_id')
    op.create_table('deal_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection', _s(64), nullable=False),
    sa.Column('source_id', _s(160), nullable=False),
    sa.Column('opportunity_source_id', _s(64), nullable=False),
    sa.Column('contact_source_id', _s(64), nullable=False),
    sa.Column('role', _s(255), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    _ts('deleted_at'),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection', 'source_id')
    )
    _index('deal_contact', 'contact_source_id', 'opportunity_source_id')
    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection', _s(64), nullable=False),
    sa.Column('source_id', _s(64), nullable=False),
    sa.Column('account_source_id', _s(64), nullable=False),
    sa.Column('user_source_id', _s(64), nullable=False),
    sa.Column('role', _s(255), nullable=True),
    _ts('deleted_at'),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection', 'source_id')
    )
    _index('team_member', 'account_source_id')
    op.create_table('crm_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection', _s(64), nullable=False),
    sa.Column('source_id', _s(64), nullable=False),
    sa.Column('name', _s(255), nullable=True),
    sa.Column('email', _s(255), nullable=True),
    sa.Column('title', _s(255), nullable=True),
    sa.Column('team', _s(255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    _ts('deleted_at'),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection', 'source_id')
    )


def downgrade() -> None:
    for table in ('crm_user', 'team_member', 'deal_contact', 'account_contact', 'contact'):
        op.drop_table(table)
