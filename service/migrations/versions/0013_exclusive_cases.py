"""cases.exclusive_key: at most one open case per exclusive matter and estate (or firm)

Revision ID: 0013
Revises: 0012

Cases already open keep running: the oldest open case of each exclusive matter and
estate (for a firm's exit: and firm) holds the key, any later one stays open without it.
The key is written here as the release of this migration built it
(``MatterType.exclusive_key``), so later changes to the code do not change this step.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# matter type → the request fields that, with the estate, make the key.
EXCLUSIVE_BY: dict[str, tuple[str, ...]] = {
    "assembly_formation": (),
    "committee_election": (),
    "firm_entry": (),
    "firm_exit": ("firm_name",),
}


def _key(matter_type: str, estate_id: int, request: dict[str, Any]) -> str:
    parts = [matter_type, str(estate_id)]
    parts += ["".join(str(request.get(name) or "").split()) for name in EXCLUSIVE_BY[matter_type]]
    return ":".join(parts)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("exclusive_key", sa.String(length=300), nullable=True))
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("matter_type", sa.String),
        sa.column("estate_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("exclusive_key", sa.String),
    )
    events = sa.table(
        "case_events",
        sa.column("case_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(cases.c.id, cases.c.matter_type, cases.c.estate_id, events.c.data)
        .join(events, sa.and_(events.c.case_id == cases.c.id, events.c.kind == "case_filed"))
        .where(cases.c.status == "running", cases.c.matter_type.in_(list(EXCLUSIVE_BY)))
        .order_by(cases.c.id)
    ).all()
    taken: set[str] = set()
    for case_id, matter_type, estate_id, data in rows:
        request = ((data or {}).get("initial") or {}).get("request") or {}
        key = _key(matter_type, estate_id, request)
        if key in taken:
            continue
        taken.add(key)
        connection.execute(sa.update(cases).where(cases.c.id == case_id).values(exclusive_key=key))
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_exclusive_key", ["exclusive_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_exclusive_key")
        batch_op.drop_column("exclusive_key")
