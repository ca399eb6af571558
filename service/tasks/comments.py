"""Remarks on a case or one of its tasks, page by page; each also enters the case history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cases.readable import readable_case
from service.core.errors import Forbidden, InvalidInput, NotFound
from service.core.models import Case, Comment, HumanTask
from service.core.paging import Page, SortKey, page
from service.history.chain import append_event
from service.notices.handoffs import commented
from service.people.access import Actor, may_comment, may_read_case
from service.people.directory import Person, people
from workflows.i18n import _


@dataclass(frozen=True)
class CommentView:
    id: int
    case_id: int
    task_id: int | None
    author: Person
    body: str
    created_at: datetime


COMMENT_ORDER = SortKey("comment", Comment.id)


def comments_page(
    session: Session, actor: Actor, case_id: int, cursor: str | None, limit: int
) -> Page[CommentView]:
    readable_case(session, actor, case_id)
    rows, next_cursor = page(
        session,
        select(Comment).where(Comment.case_id == case_id),
        COMMENT_ORDER,
        Comment.id,
        cursor,
        limit,
        value_of=lambda c: c.id,
        id_of=lambda c: c.id,
    )
    return Page(_comment_views(session, list(rows)), next_cursor)


def _comment_views(session: Session, rows: list[Comment]) -> list[CommentView]:
    names = people(session, (c.author_id for c in rows))
    return [
        CommentView(c.id, c.case_id, c.task_id, names[c.author_id], c.body, c.created_at)
        for c in rows
    ]


def add_comment(
    svc: CaseService, actor: Actor, case_id: int, body: str, task_id: int | None = None
) -> CommentView:
    """A remark on the case (or one of its tasks), kept in the case history too."""
    with svc.transaction() as session:
        case = session.scalar(
            select(Case)
            .where(Case.id == case_id)
            .with_for_update(of=Case)
            .execution_options(populate_existing=True)
        )
        if case is None or not may_read_case(actor, case):
            raise NotFound(_("没有找到该案件，或您无权查看。"))
        if not may_comment(actor, case):
            raise Forbidden(_("您的角色只能查阅，不能发表意见。"))
        text = body.strip()
        if not text:
            raise InvalidInput({"body": [_("请填写意见内容。")]})
        task = session.get(HumanTask, task_id) if task_id is not None else None
        if task_id is not None and (task is None or task.case_id != case.id):
            raise InvalidInput({"task_id": [_("该任务不属于此案件。")]})
        now = svc.clock.now()
        comment = Comment(
            case_id=case.id, task_id=task_id, author_id=actor.user_id, body=text, created_at=now
        )
        session.add(comment)
        session.flush()
        append_event(
            session,
            case.id,
            "comment_added",
            now,
            actor.user_id,
            task.bpmn_id if task else None,
            {"comment_id": comment.id, "task_id": task_id, "body": text},
        )
        commented(session, case, actor.user_id, text, now)
        return _comment_views(session, [comment])[0]
