"""fund_statements and fund_uses: each estate's maintenance fund, its account statements
and what fund-use cases reserve and spend from it

Revision ID: 0014
Revises: 0013

Cases already open when this runs reserve nothing: they were filed against the balance
their request declared, and their transfers show in the next account statement.
"""

import sqlalchemy as sa
from alembic import op

import service.core.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = service.core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fund_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["estate_id"], ["places.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_fund_statements_estate", "fund_statements", ["estate_id", "statement_date", "id"]
    )
    op.create_table(
        "fund_uses",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("spent_fen", sa.BigInteger(), nullable=True),
        sa.Column("spent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["estate_id"], ["places.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_fund_uses_estate", "fund_uses", ["estate_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_fund_uses_estate", table_name="fund_uses")
    op.drop_table("fund_uses")
    op.drop_index("ix_fund_statements_estate", table_name="fund_statements")
    op.drop_table("fund_statements")
