"""users: failed sign-ins, so repeated wrong passwords lock the account for a while

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import service.core.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = service.core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_failed_sign_in", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_failed_sign_in")
        batch_op.drop_column("failed_sign_ins")
