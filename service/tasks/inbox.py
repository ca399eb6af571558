"""The inbox and the other ways one sees tasks: the tasks a user may work, filtered,
sorted and paged; the start page's short lists; one task with its form and history.

The inbox is one SQL query whose scope condition is exactly ``may_work_task`` (see
``access.workable_tasks``), so it pages in the database with a stable cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager

from service.cases.catalogue import kind_name, step_form
from service.core.errors import InvalidInput, NotFound
from service.core.models import Case, HumanTask, Place, User
from service.core.paging import Page, SortKey, page
from service.history.audit import EventView, event_views
from service.history.chain import events_of
from service.people.access import (
    LANE_ROLES,
    Actor,
    may_assign_task,
    may_read_case,
    may_work_task,
    visible_cases,
    workable_tasks,
)
from service.people.directory import Person, people
from service.tasks.supervision import may_rearrange
from workflows.i18n import _

TASK_STATUSES = ("open", "completed", "cancelled")
SORTS = {
    "due": SortKey("due", HumanTask.due_at, is_datetime=True),
    "-due": SortKey("-due", HumanTask.due_at, descending=True, is_datetime=True),
    "created": SortKey("created", HumanTask.created_at, is_datetime=True),
    "-created": SortKey("-created", HumanTask.created_at, descending=True, is_datetime=True),
    "priority": SortKey("priority", HumanTask.priority),
    "-priority": SortKey("-priority", HumanTask.priority, descending=True),
}


@dataclass(frozen=True)
class TaskView:
    id: int
    case_id: int
    case_title: str
    matter_type: str
    matter_name: str
    estate_code: str
    estate_name: str
    bpmn_id: str
    name: str
    role: str
    status: str
    priority: int
    created_at: datetime
    due_at: datetime | None
    follow_up_at: datetime | None
    overdue: bool
    assignee: Person | None
    completed_at: datetime | None
    completed_by: Person | None


def task_views(session: Session, tasks: list[HumanTask], now: datetime) -> list[TaskView]:
    names = people(session, [t.assignee_id for t in tasks] + [t.completed_by for t in tasks])
    return [
        TaskView(
            id=t.id,
            case_id=t.case_id,
            case_title=t.case.title,
            matter_type=t.case.matter_type,
            matter_name=kind_name(t.case.matter_type),
            estate_code=t.case.estate.code,
            estate_name=t.case.estate.name,
            bpmn_id=t.bpmn_id,
            name=t.name,
            role=t.role,
            status=t.status,
            priority=t.priority,
            created_at=t.created_at,
            due_at=t.due_at,
            follow_up_at=t.follow_up_at,
            overdue=t.status == "open" and t.due_at is not None and t.due_at < now,
            assignee=names.get(t.assignee_id) if t.assignee_id else None,
            completed_at=t.completed_at,
            completed_by=names.get(t.completed_by) if t.completed_by else None,
        )
        for t in tasks
    ]


# -- the inbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """Filters of the inbox. ``assignee``: "me", "none", "any" or a username; by default
    open tasks show when they are unassigned or assigned to the caller."""

    matter: str | None = None
    estate: str | None = None
    status: str = "open"
    due_before: datetime | None = None
    overdue: bool | None = None
    assignee: str | None = None
    unassigned: bool | None = None
    sort: str = "due"
    cursor: str | None = None
    limit: int = 20

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> InboxQuery:
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def inbox(session: Session, actor: Actor, query: InboxQuery, now: datetime) -> Page[TaskView]:
    """Tasks the actor may work, filtered, sorted and paged."""
    if query.sort not in SORTS:
        raise InvalidInput({"sort": [_("不支持的排序方式。")]})
    if query.status not in TASK_STATUSES:
        raise InvalidInput({"status": [_("任务状态只能是 open、completed 或 cancelled。")]})
    stmt = (
        select(HumanTask)
        .join(Case, Case.id == HumanTask.case_id)
        .options(contains_eager(HumanTask.case))
        .where(workable_tasks(actor), HumanTask.status == query.status)
    )
    if query.matter:
        stmt = stmt.where(Case.matter_type == query.matter)
    if query.estate:
        estate = select(Place.id).where(Place.code == query.estate).scalar_subquery()
        stmt = stmt.where(HumanTask.estate_id == estate)
    if query.due_before is not None:
        stmt = stmt.where(HumanTask.due_at < query.due_before)
    if query.overdue is True:
        stmt = stmt.where(HumanTask.due_at < now)
    elif query.overdue is False:
        stmt = stmt.where(or_(HumanTask.due_at.is_(None), HumanTask.due_at >= now))
    if query.unassigned is True:
        stmt = stmt.where(HumanTask.assignee_id.is_(None))
    elif query.unassigned is False:
        stmt = stmt.where(HumanTask.assignee_id.is_not(None))
    stmt = _assignee_filter(stmt, actor, query)
    key = SORTS[query.sort]
    rows, next_cursor = page(
        session,
        stmt,
        key,
        HumanTask.id,
        query.cursor,
        query.limit,
        value_of=lambda t: getattr(t, key.column.key),
        id_of=lambda t: t.id,
    )
    return Page(task_views(session, list(rows), now), next_cursor)


def _assignee_filter(stmt: Any, actor: Actor, query: InboxQuery) -> Any:
    wanted = query.assignee
    if wanted is None:
        wanted = "mine" if query.status == "open" else "any"
    if wanted == "any":
        return stmt
    if wanted == "mine":
        return stmt.where(
            or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.user_id)
        )
    if wanted == "me":
        return stmt.where(HumanTask.assignee_id == actor.user_id)
    if wanted == "none":
        return stmt.where(HumanTask.assignee_id.is_(None))
    user = select(User.id).where(User.username == wanted).scalar_subquery()
    return stmt.where(HumanTask.assignee_id == user)


def open_tasks_for(session: Session, actor: Actor, limit: int = 200) -> list[HumanTask]:
    """Open tasks in the actor's scope whose lane one of the actor's roles may work."""
    roles = actor.roles()
    lanes = [lane for lane, allowed in LANE_ROLES.items() if roles.intersection(allowed)]
    if not lanes:
        return []
    rows = session.scalars(
        select(HumanTask)
        .join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.status == "open", HumanTask.role.in_(lanes), visible_cases(actor))
        .where(or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.user_id))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        .limit(limit)
    )
    return [task for task in rows if may_work_task(actor, task, task.case)]


def overdue_tasks(session: Session, actor: Actor, now: datetime, limit: int) -> list[HumanTask]:
    """Open tasks past their due date in the cases the actor reads, whoever works them."""
    return list(
        session.scalars(
            select(HumanTask)
            .join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.status == "open", HumanTask.due_at < now, visible_cases(actor))
            .order_by(HumanTask.due_at)
            .limit(limit)
        )
    )


def workable_task_ids(session: Session, actor: Actor, case: Case) -> set[int]:
    """The case's open tasks the actor may work, by id: the case page links them."""
    return {
        task.id
        for task in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "open")
        )
        if may_work_task(actor, task, case)
    }


# -- one task ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    form: list[dict[str, Any]]
    case_revision: int
    may_work: bool
    may_assign: bool
    # May set the due date and the priority (the party organization; the supervising street).
    may_rearrange: bool


def readable_task(session: Session, actor: Actor, task_id: int) -> HumanTask:
    """The task, if it exists and the actor may read its case; NotFound otherwise."""
    task = session.get(HumanTask, task_id)
    if task is None or not may_read_case(actor, task.case):
        raise NotFound(_("没有找到该任务，或您无权查看。"))
    return task


def task_detail(session: Session, actor: Actor, task_id: int, now: datetime) -> TaskDetail:
    task = readable_task(session, actor, task_id)
    return TaskDetail(
        task=task_views(session, [task], now)[0],
        form=step_form(task.case.matter_type, task.bpmn_id),
        case_revision=task.case.revision,
        may_work=may_work_task(actor, task, task.case),
        may_assign=may_assign_task(actor, task, task.case),
        may_rearrange=may_rearrange(session, actor, task, task.case),
    )


def task_history(session: Session, actor: Actor, task_id: int) -> list[EventView]:
    """The entries of the case history about this task: claims, changes, comments, completion."""
    task = readable_task(session, actor, task_id)
    mine = [
        event
        for event in events_of(session, task.case_id)
        if event.data.get("task_id") == task.id
        or (
            event.kind == "task_completed"
            and event.task_bpmn_id == task.bpmn_id
            and event.at == task.completed_at
        )
    ]
    return event_views(session, mine)
