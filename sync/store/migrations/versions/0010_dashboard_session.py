"""dashboard session: server-side dashboard sign-ins (random id stored hashed, expiry, revocation), apart from
API tokens; the cookie no longer carries a token

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sync.store.columns


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dashboard_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_hash', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sync.store.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_hash')
    )
    with op.batch_alter_table('dashboard_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_session_token_id'), ['token_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dashboard_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_session_token_id'))
    op.drop_table('dashboard_session')
