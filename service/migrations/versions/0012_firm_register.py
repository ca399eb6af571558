"""organizations.credit_code unique: the firm register knows each firm by its code

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_index("ix_organizations_credit_code")
        batch_op.create_index("ix_organizations_credit_code", ["credit_code"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_index("ix_organizations_credit_code")
        batch_op.create_index("ix_organizations_credit_code", ["credit_code"])
