"""sign_in_throttles: wrong passwords counted per client, not per account

The account-wide lockout of 0006 let anyone who knew a user name keep its owner out;
its two columns on users go, and their counts with them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import service.core.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = service.core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", UTC, nullable=False),
        sa.Column("last_failure_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "username", "address"),
    )
    with op.batch_alter_table("sign_in_throttles") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttles_last_failure_at"), ["last_failure_at"], unique=False
        )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_failed_sign_in")
        batch_op.drop_column("failed_sign_ins")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_failed_sign_in", UTC, nullable=True))
    with op.batch_alter_table("sign_in_throttles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttles_last_failure_at"))
    op.drop_table("sign_in_throttles")
