"""admin_events: the hash-chained log of administrators' changes

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.core.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", service.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    with op.batch_alter_table("admin_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_events_action"), ["action"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("admin_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_events_action"))
    op.drop_table("admin_events")
