"""Read side for people at work: the open tasks a user may act on, a case's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.core.models import Case, CaseEvent, HumanTask
from service.people.access import LANE_ROLES, Actor, may_work_task, visible_cases


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


def timeline(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )
