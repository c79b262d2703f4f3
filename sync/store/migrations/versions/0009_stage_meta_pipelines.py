"""stage meta pipelines: a pipeline's label and display order, and whether a stage is active

Stage durations are reported per pipeline, pipelines in their display order, with labels (kpis.md sections 5
and 8): HubSpot gives each pipeline a label and a displayOrder, Salesforce has one pipeline of stages. Rows
stored before keep null: the next pull of the stage metadata (a full read each run) fills them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:45:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stage_meta', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_label', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('pipeline_order', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('stage_meta', schema=None) as batch_op:
        batch_op.drop_column('is_active')
        batch_op.drop_column('pipeline_order')
        batch_op.drop_column('pipeline_label')
