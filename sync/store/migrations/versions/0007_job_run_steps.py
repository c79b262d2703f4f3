"""job run steps: a run's steps (pull, enrich, score, write-back) and the job run each scoring run belongs to

Scoring runs stored before it keep a null run_id (they were stored by any command that scored).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=True))
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_scoring_run_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_run_run_id'))
        batch_op.drop_column('run_id')
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_column('steps')
