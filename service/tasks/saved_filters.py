"""Saved inbox filters: a user's named task-list queries, which the pages and the API
both apply (stored in the task list's own terms, ``InboxQuery``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.core.errors import Conflict, NotFound
from service.core.models import SavedFilter
from service.people.access import Actor
from service.tasks.arrangement import plain
from workflows.i18n import _


@dataclass(frozen=True)
class FilterView:
    id: int
    name: str
    query: dict[str, Any]
    created_at: datetime


def saved_filters(session: Session, actor: Actor) -> list[FilterView]:
    rows = session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == actor.user_id).order_by(SavedFilter.id)
    )
    return [FilterView(r.id, r.name, r.query, r.created_at) for r in rows]


def save_filter(svc: CaseService, actor: Actor, name: str, query: Mapping[str, Any]) -> FilterView:
    """Keep an inbox query under a name; ``query`` holds the task list's parameters."""
    with svc.transaction() as session:
        row = SavedFilter(
            user_id=actor.user_id,
            name=name.strip(),
            query={k: plain(v) for k, v in query.items() if v is not None},
            created_at=svc.clock.now(),
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise Conflict(_("已有同名的筛选条件。")) from None
        return FilterView(row.id, row.name, row.query, row.created_at)


def delete_filter(svc: CaseService, actor: Actor, filter_id: int) -> None:
    with svc.transaction() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound(_("没有这个筛选条件。"))
        session.delete(row)
