"""deadlines, reminders, periodic duties and the firms' red/black list

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import service.core.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = service.core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(sa.Column("credit_code", sa.String(length=18), nullable=True))
        batch_op.create_index("ix_organizations_credit_code", ["credit_code"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("filed_by", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("human_tasks") as batch_op:
        batch_op.add_column(sa.Column("reminded_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("escalation_sent_at", UTC, nullable=True))
        batch_op.create_index("ix_tasks_status_due", ["status", "due_at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.Column("emailed_at", UTC, nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "task_id", "kind"),
    )
    op.create_index("ix_notifications_user_unread", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_email", "notifications", ["emailed_at", "email_attempts"])
    op.create_table(
        "duty_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("duty", "organization_id", "period"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_table(
        "credit_standing_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=8), nullable=False),
        sa.Column("standing", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["changed_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_credit_standing_changes_organization_id",
        "credit_standing_changes",
        ["organization_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_credit_standing_changes_organization_id", table_name="credit_standing_changes"
    )
    op.drop_table("credit_standing_changes")
    op.drop_table("duty_filings")
    op.drop_index("ix_notifications_email", table_name="notifications")
    op.drop_index("ix_notifications_user_unread", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("human_tasks") as batch_op:
        batch_op.drop_index("ix_tasks_status_due")
        batch_op.drop_column("escalation_sent_at")
        batch_op.drop_column("reminded_at")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("filed_by", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_index("ix_organizations_credit_code")
        batch_op.drop_column("credit_code")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("email")
