"""Who works a task: claiming it, giving it back, and the secretary assigning it to a
member of the party organization (and whom it may go to).

Every change locks the case row and is appended to the case's hash-chained history in
the same transaction, so claims and assignments show in the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from service.cases.case_service import CaseService
from service.cases.persistence import locked_task
from service.core.errors import Conflict, Forbidden, InvalidInput
from service.core.models import Case, HumanTask, RoleGrant, User
from service.history.chain import append_event
from service.notices.handoffs import assigned
from service.people.access import (
    LANE_ROLES,
    Actor,
    Grant,
    case_places,
    may_assign_some,
    may_assign_task,
    may_work_task,
)
from service.people.directory import Person
from service.tasks.inbox import TaskView, readable_task, task_views
from workflows.i18n import _


def must_be_open(task: HumanTask) -> None:
    if task.status != "open":
        raise Conflict(_("该任务已办理完毕或已取消。"))


def record(
    session: Session,
    svc: CaseService,
    actor: Actor,
    task: HumanTask,
    kind: str,
    data: dict[str, Any],
) -> None:
    """Enter a change to ``task`` in its case's history."""
    append_event(session, task.case_id, kind, svc.clock.now(), actor.user_id, task.bpmn_id, data)


def claim(svc: CaseService, actor: Actor, task_id: int) -> TaskView:
    """Take a task: others no longer see it in their inbox by default."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        if not may_work_task(actor, task, case):
            raise Forbidden(_("您没有办理该任务的权限。"))
        must_be_open(task)
        if task.assignee_id not in (None, actor.user_id):
            raise Conflict(_("该任务已由他人签收。"))
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
            record(session, svc, actor, task, "task_claimed", {"task_id": task.id})
        return task_views(session, [task], svc.clock.now())[0]


def unclaim(svc: CaseService, actor: Actor, task_id: int) -> TaskView:
    """Give a task back; the secretary may also take it back from whoever holds it."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        assigner = may_assign_task(actor, task, case)
        if not (assigner or may_work_task(actor, task, case)):
            raise Forbidden(_("您没有办理该任务的权限。"))
        must_be_open(task)
        if task.assignee_id not in (None, actor.user_id) and not assigner:
            raise Conflict(_("该任务已由他人签收。"))
        if task.assignee_id is not None:
            previous = task.assignee_id
            task.assignee_id = None
            record(
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
        must_be_open(task)
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
            record(
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
            if assignee_id != actor.user_id:
                assigned(session, case, task, svc.clock.now())
        return task_views(session, [task], svc.clock.now())[0]


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
