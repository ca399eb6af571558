"""Who did something, as listings show it: looked up once per page, not once per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import User


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
