"""Who did something, as listings show it: looked up once per page, not once per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import RoleGrant, User

PARTY_ROLES = ("party_secretary", "party_committee")


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str


def people(session: Session, ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(wanted))
    )
    return {row.id: Person(row.id, row.username, row.display_name) for row in rows}


def display_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names by user id, as a history or a task page shows who acted."""
    return {i: person.display_name for i, person in people(session, ids).items()}


def party_members(session: Session, community_id: int) -> list[tuple[int, str, str]]:
    """(user id, name, role) of the active members of the community's party organization,
    the secretary first: who a collective study's attendance is taken from."""
    rows = session.execute(
        select(User.id, User.display_name, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.place_id == community_id,
            RoleGrant.role.in_(PARTY_ROLES),
            User.active,
        )
        .order_by(RoleGrant.role.desc(), User.id)
    )
    seen: dict[int, tuple[int, str, str]] = {}
    for row in rows:
        seen.setdefault(row.id, (row.id, row.display_name, row.role))
    return list(seen.values())
