"""The task list (Camunda's Tasklist is the bar): the inbox, claiming and assigning,
due and follow-up dates, priority, completion, comments and saved filters.

The inbox is one SQL query whose scope condition is exactly ``may_work_task`` (see
``access.workable_tasks``), so it pages in the database with a stable cursor. Every
change to a task locks its case row and is appended to the case's hash-chained history
in the same transaction, so claims, assignments and comments show in the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from service.cases.attachments import check_references
from service.cases.case_service import CaseService, locked_task
from service.cases.catalogue import kind_name, step_form
from service.cases.readable import readable_case
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import Case, Comment, HumanTask, Place, RoleGrant, SavedFilter, User
from service.core.paging import Page, SortKey, page
from service.history.audit import EventView, event_views
from service.history.chain import append_event, events_of
from service.people.access import (
    LANE_ROLES,
    Actor,
    Grant,
    case_places,
    may_assign_some,
    may_assign_task,
    may_comment,
    may_read_case,
    may_work_task,
    workable_tasks,
)
from service.people.directory import Person, people
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
MIN_PRIORITY, MAX_PRIORITY = 0, 100


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


# -- one task ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    form: list[dict[str, Any]]
    case_revision: int
    may_work: bool
    may_assign: bool


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
    )


def assignees(session: Session, actor: Actor, task_id: int) -> list[Person]:
    """Whom the actor may hand this task to: the party organization's members who may work
    it (empty unless the actor is the secretary who assigns it)."""
    readable_task(session, actor, task_id)
    return assignees_by_task(session, actor, [task_id]).get(task_id, [])


def assignees_by_task(
    session: Session, actor: Actor, task_ids: Iterable[int]
) -> dict[int, list[Person]]:
    """``assignees`` for a page of tasks at once, by task id; only the open tasks the actor
    may assign are keys (the caller's scope is its own: the inbox's rows, one task page).

    Two queries whatever the number of tasks, none when the actor assigns nothing: the
    tasks with their cases, then every active user holding a role that works one of
    their lanes at one of their places (an assignable task is the party organization's,
    worked from a grant at a place of its case). Each task's people are then those
    ``may_work_task`` allows, worked out once per distinct (lane, places) of the page.
    """
    wanted = set(task_ids)
    if not wanted or not may_assign_some(actor):
        return {}
    tasks = [
        task
        for task in session.scalars(
            select(HumanTask)
            .join(Case, Case.id == HumanTask.case_id)
            .options(contains_eager(HumanTask.case))
            .where(HumanTask.id.in_(wanted), HumanTask.status == "open")
        )
        if may_assign_task(actor, task, task.case)
    ]
    if not tasks:
        return {}
    roles = {role for task in tasks for role in LANE_ROLES.get(task.role, ())}
    places = {place for task in tasks for place in case_places(task.case) if place is not None}
    workers: dict[int, Actor] = {}
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            RoleGrant.role,
            RoleGrant.place_id,
            RoleGrant.organization_id,
        )
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.active, RoleGrant.role.in_(roles), RoleGrant.place_id.in_(places))
        .order_by(User.id, RoleGrant.id)
    )
    for row in rows:
        grant = Grant(row.role, row.place_id, row.organization_id)
        held = workers.get(row.id)
        grants = (*held.grants, grant) if held else (grant,)
        workers[row.id] = Actor(row.id, row.username, row.display_name, grants)
    found: dict[int, list[Person]] = {}
    by_lane: dict[tuple[Any, ...], list[Person]] = {}
    for task in tasks:
        case = task.case
        key = (task.role, case_places(case), case.applicant_org_id)
        if key not in by_lane:
            by_lane[key] = [
                Person(w.user_id, w.username, w.display_name)
                for w in workers.values()
                if may_work_task(w, task, case)
            ]
        found[task.id] = by_lane[key]
    return found


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


# -- changes to a task -------------------------------------------------------------------


def _must_be_open(task: HumanTask) -> None:
    if task.status != "open":
        raise Conflict(_("该任务已办理完毕或已取消。"))


def _record(
    session: Session, svc: CaseService, actor: Actor, task: HumanTask, kind: str, data: dict
) -> None:
    append_event(session, task.case_id, kind, svc.clock.now(), actor.user_id, task.bpmn_id, data)


def claim(svc: CaseService, actor: Actor, task_id: int) -> TaskView:
    """Take a task: others no longer see it in their inbox by default."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        if not may_work_task(actor, task, case):
            raise Forbidden(_("您没有办理该任务的权限。"))
        _must_be_open(task)
        if task.assignee_id not in (None, actor.user_id):
            raise Conflict(_("该任务已由他人签收。"))
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
            _record(session, svc, actor, task, "task_claimed", {"task_id": task.id})
        return task_views(session, [task], svc.clock.now())[0]


def unclaim(svc: CaseService, actor: Actor, task_id: int) -> TaskView:
    """Give a task back; the secretary may also take it back from whoever holds it."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        assigner = may_assign_task(actor, task, case)
        if not (assigner or may_work_task(actor, task, case)):
            raise Forbidden(_("您没有办理该任务的权限。"))
        _must_be_open(task)
        if task.assignee_id not in (None, actor.user_id) and not assigner:
            raise Conflict(_("该任务已由他人签收。"))
        if task.assignee_id is not None:
            previous = task.assignee_id
            task.assignee_id = None
            _record(
                session,
                svc,
                actor,
                task,
                "task_unclaimed",
                {"task_id": task.id, "previous_assignee_id": previous},
            )
        return task_views(session, [task], svc.clock.now())[0]


class _Unchecked:
    """``assign`` without an expected assignee: whoever holds the task now is replaced."""


UNCHECKED = _Unchecked()


def assign(
    svc: CaseService,
    actor: Actor,
    task_id: int,
    username: str | None,
    *,
    expected_assignee_id: int | _Unchecked | None = UNCHECKED,
) -> TaskView:
    """The secretary hands a party-organization task to someone who may work it.

    ``username`` None takes the task back. With ``expected_assignee_id`` (the holder the
    caller saw, None for nobody) a task someone has claimed, given back or assigned since
    is refused with a conflict instead of being taken from them.
    """
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        if not may_assign_task(actor, task, case):
            raise Forbidden(_("只有社区党组织书记可以分派该任务。"))
        _must_be_open(task)
        unchecked = isinstance(expected_assignee_id, _Unchecked)
        if not unchecked and task.assignee_id != expected_assignee_id:
            raise Conflict(_("该任务的签收人已被他人更改，请查看最新情况后再分派。"))
        assignee_id = None
        if username is not None:
            if not username.strip():
                raise InvalidInput({"assignee": [_("请选择要分派给的人员。")]})
            user = session.scalar(select(User).where(User.username == username, User.active))
            if user is None:
                raise InvalidInput({"assignee": [_("没有这个用户。")]})
            if not may_work_task(Actor.of(user), task, case):
                raise InvalidInput({"assignee": [_("该用户没有办理此任务的权限。")]})
            assignee_id = user.id
        if assignee_id != task.assignee_id:
            previous = task.assignee_id
            task.assignee_id = assignee_id
            _record(
                session,
                svc,
                actor,
                task,
                "task_assigned",
                {
                    "task_id": task.id,
                    "assignee_id": assignee_id,
                    "previous_assignee_id": previous,
                },
            )
        return task_views(session, [task], svc.clock.now())[0]


def update_task(
    svc: CaseService, actor: Actor, task_id: int, changes: Mapping[str, Any]
) -> TaskView:
    """Set the due date, the follow-up date or the priority; each change goes in the history."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        assigner = may_assign_task(actor, task, case)
        if not (assigner or may_work_task(actor, task, case)):
            raise Forbidden(_("您没有办理该任务的权限。"))
        _must_be_open(task)
        if task.assignee_id not in (None, actor.user_id) and not assigner:
            raise Conflict(_("该任务已由他人签收。"))
        changed: dict[str, dict[str, Any]] = {}
        for name in ("due_at", "follow_up_at", "priority"):
            if name not in changes or changes[name] == getattr(task, name):
                continue
            value = changes[name]
            if name == "priority" and not MIN_PRIORITY <= value <= MAX_PRIORITY:
                raise InvalidInput({"priority": [_("优先级应为 0 至 100 的整数。")]})
            if name == "due_at" and value is None:
                raise InvalidInput({"due_at": [_("办理期限不能清空。")]})
            changed[name] = {"from": _plain(getattr(task, name)), "to": _plain(value)}
            setattr(task, name, value)
        if changed:
            _record(
                session, svc, actor, task, "task_updated", {"task_id": task.id, "changes": changed}
            )
        return task_views(session, [task], svc.clock.now())[0]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Completed:
    """What completing a task changed: which case, and its revision now."""

    case_id: int
    revision: int


def complete(
    svc: CaseService,
    actor: Actor,
    task_id: int,
    data: Mapping[str, Any],
    expected_revision: int | None,
) -> Completed:
    """Complete a task with its form (``CaseService.complete_task``).

    All checks run in the completing transaction, in the order callers should hear about
    problems: scope (404), right to work it (403), still open and not someone else's
    (409), the files it names (422), the revision (409).
    """
    case_ids: list[int] = []

    def files_named(session: Session, task: HumanTask) -> None:
        check_references(session, actor, data, task.case_id)
        case_ids.append(task.case_id)

    revision = svc.complete_task(actor, task_id, data, expected_revision, check=files_named)
    return Completed(case_ids[0], revision)


# -- comments ----------------------------------------------------------------------------


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
        return _comment_views(session, [comment])[0]


# -- saved filters -----------------------------------------------------------------------


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
            query={k: _plain(v) for k, v in query.items() if v is not None},
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
