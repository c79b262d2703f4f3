"""money right: exact rates (NUMERIC(38, 18)) and money (NUMERIC(28, 10)); dated rates; CRM currencies

PostgreSQL kept rates to 6 decimals (JPY 0.006623 for 1/151), so the same CRM data gave other figures than on
SQLite, which keeps decimal text. Values are now rounded to the column's scale on both before they are stored.
Adds Salesforce's dated exchange rates (`dated_currency_rate`), each connection's own corporate currency
(`crm_currency`) and the currency of an account's annual revenue (`account.currency`). SQLite keeps its text
columns (VARCHAR(40) holds either scale).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sync.store.columns


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MONEY_COLUMNS = (
    ("source_account", "annual_revenue"), ("account", "annual_revenue"), ("account", "wallet_estimate"),
    ("opportunity", "amount"), ("product_line", "total_price"), ("account_enrichment", "wallet_estimate"),
    ("account_enrichment", "annual_revenue"),
)


def upgrade() -> None:
    op.create_table('dated_currency_rate',
    sa.Column('rate', sync.store.columns.Rate(), nullable=True),
    sa.Column('updated_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('origin', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('next_start_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('origin', 'source_id')
    )
    op.create_table('crm_currency',
    sa.Column('updated_at', sync.store.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('connection', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('connection')
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('currency_rate', 'rate', type_=sa.Numeric(38, 18), existing_nullable=True)
        for table, column in MONEY_COLUMNS:
            op.alter_column(table, column, type_=sa.Numeric(28, 10), existing_nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in MONEY_COLUMNS:
            op.alter_column(table, column, type_=sa.Numeric(24, 6), existing_nullable=True)
        op.alter_column('currency_rate', 'rate', type_=sa.Numeric(24, 6), existing_nullable=True)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('currency')
    op.drop_table('crm_currency')
    op.drop_table('dated_currency_rate')
