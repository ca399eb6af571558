"""What the street may do on its 督办 of an overdue step, short of resolving it.

It may set the overdue step a new deadline, record a 约谈 (summons) with its date, its
attendees and its minutes, and hand the step back to the responsible party with
instructions (who hear of it at once). Each action locks the case row, is refused once the
督办 is closed (409), and is entered in the case history on the 督办 task. Resolving the
督办 is completing it (``CaseService.complete_task`` with its form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cases.persistence import locked_task
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import Case, HumanTask
from service.history.audit import EventView, event_views
from service.history.chain import append_event, events_of
from service.notices.handoffs import deadline_set, handed_back
from service.people.access import Actor, may_work_task
from service.tasks.claiming import must_be_open
from service.tasks.inbox import TaskView, readable_task, task_views
from service.tasks.supervision import SUPERVISION_PREFIX
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

# The history entries of the street's actions on a 督办, and of its closing.
ACTIONS = (
    "supervision_deadline_set",
    "supervision_summons",
    "supervision_handed_back",
    "supervision_closed",
    "task_completed",
)
MAX_REASON, MAX_MINUTES, MAX_INSTRUCTIONS = 500, 5000, 2000
MAX_ATTENDEES, MAX_ATTENDEE = 30, 50
# A new deadline is a matter of days or weeks; a year ahead is a typing error.
MAX_EXTENSION_DAYS = 366


@dataclass(frozen=True)
class Supervision:
    """A 督办 as its form shows it: the overdue step as it stands and what was done so far."""

    supervision: TaskView
    step: TaskView | None
    actions: list[EventView]


def supervision_view(session: Session, actor: Actor, task_id: int, now: datetime) -> Supervision:
    """The 督办 ``task_id`` with its overdue step and its history; 404 for any other task."""
    task = readable_task(session, actor, task_id)
    if not task.bpmn_id.startswith(SUPERVISION_PREFIX):
        raise NotFound(_("该任务不是街道督办任务。"))
    step = overdue_step(session, task)
    shown = [task] if step is None else [task, step]
    views = task_views(session, shown, now)
    actions = [
        event
        for event in events_of(session, task.case_id)
        if (event.kind in ACTIONS and event.data.get("task_id") == task.id)
        or (
            event.kind == "task_completed"
            and event.task_bpmn_id == task.bpmn_id
            and event.at == task.completed_at
        )
    ]
    return Supervision(views[0], views[1] if step else None, event_views(session, actions))


def overdue_step(session: Session, supervision: HumanTask) -> HumanTask | None:
    """The latest task row of the step a 督办 is about."""
    return session.scalar(
        select(HumanTask)
        .where(
            HumanTask.case_id == supervision.case_id,
            HumanTask.bpmn_id == supervision.bpmn_id.removeprefix(SUPERVISION_PREFIX),
        )
        .order_by(HumanTask.id.desc())
        .limit(1)
    )


def set_deadline(
    svc: CaseService, actor: Actor, task_id: int, due_on: date, reason: str
) -> Supervision:
    """Give the overdue step a new deadline (24:00 of ``due_on``); its workers are told,
    reminded again before it, and the 督办 follows up by the same day."""
    with svc.transaction() as session:
        now = svc.clock.now()
        supervision, case, step = _acting_on(session, actor, task_id, open_step=True)
        errors = _future_day(due_on, now) | _text("reason", reason, MAX_REASON)
        if errors:
            raise InvalidInput(errors)
        due_at = datetime.combine(due_on + timedelta(days=1), time(), SHANGHAI)
        before = step.due_at
        step.due_at = supervision.due_at = due_at
        step.reminded_at = supervision.reminded_at = None
        recipients = deadline_set(session, case, step, reason.strip(), now)
        _record(
            session,
            actor,
            supervision,
            step,
            "supervision_deadline_set",
            now,
            {
                "from": before.isoformat() if before else None,
                "to": due_at.isoformat(),
                "reason": reason.strip(),
                "recipients": recipients,
            },
        )
        return supervision_view(session, actor, task_id, now)


def record_summons(
    svc: CaseService,
    actor: Actor,
    task_id: int,
    held_on: date,
    attendees: Sequence[str],
    minutes: str,
) -> Supervision:
    """Enter a 约谈 held about the overdue step: when, who attended, what was said."""
    with svc.transaction() as session:
        now = svc.clock.now()
        supervision, _case, step = _acting_on(session, actor, task_id, open_step=False)
        names = [name.strip() for name in attendees if name.strip()]
        errors = (
            _held_day(held_on, supervision, now)
            | _attendees(names)
            | _text("minutes", minutes, MAX_MINUTES)
        )
        if errors:
            raise InvalidInput(errors)
        _record(
            session,
            actor,
            supervision,
            step,
            "supervision_summons",
            now,
            {"held_on": held_on.isoformat(), "attendees": names, "minutes": minutes.strip()},
        )
        return supervision_view(session, actor, task_id, now)


def hand_back(svc: CaseService, actor: Actor, task_id: int, instructions: str) -> Supervision:
    """Send the overdue step back to whoever must do it, with the street's instructions."""
    with svc.transaction() as session:
        now = svc.clock.now()
        supervision, case, step = _acting_on(session, actor, task_id, open_step=True)
        errors = _text("instructions", instructions, MAX_INSTRUCTIONS)
        if errors:
            raise InvalidInput(errors)
        recipients = handed_back(session, case, step, instructions.strip(), now)
        _record(
            session,
            actor,
            supervision,
            step,
            "supervision_handed_back",
            now,
            {"instructions": instructions.strip(), "recipients": recipients},
        )
        return supervision_view(session, actor, task_id, now)


def _acting_on(
    session: Session, actor: Actor, task_id: int, *, open_step: bool
) -> tuple[HumanTask, Case, HumanTask]:
    """The open 督办 the actor may work, under its case's lock, with its overdue step."""
    supervision, case = locked_task(session, actor, task_id)
    if not supervision.bpmn_id.startswith(SUPERVISION_PREFIX):
        raise NotFound(_("该任务不是街道督办任务。"))
    if not may_work_task(actor, supervision, case):
        raise Forbidden(_("您没有办理该任务的权限。"))
    must_be_open(supervision)
    if supervision.assignee_id not in (None, actor.user_id):
        raise Conflict(_("该任务已由他人签收。"))
    step = overdue_step(session, supervision)
    if step is None or (open_step and step.status != "open"):
        raise Conflict(_("超期步骤已办理完毕，请办结督办。"))
    return supervision, case, step


def _record(
    session: Session,
    actor: Actor,
    supervision: HumanTask,
    step: HumanTask,
    kind: str,
    now: datetime,
    data: dict[str, Any],
) -> None:
    append_event(
        session,
        supervision.case_id,
        kind,
        now,
        actor.user_id,
        supervision.bpmn_id,
        {"task_id": supervision.id, "overdue_task_id": step.id, "step": step.bpmn_id, **data},
    )


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _future_day(due_on: date, now: datetime) -> dict[str, list[str]]:
    today = _today(now)
    if due_on <= today:
        return {"due_on": [_("新的办理期限应晚于今天。")]}
    if due_on > today + timedelta(days=MAX_EXTENSION_DAYS):
        return {"due_on": [_("新的办理期限不能晚于一年以后。")]}
    return {}


def _held_day(held_on: date, supervision: HumanTask, now: datetime) -> dict[str, list[str]]:
    if held_on > _today(now):
        return {"held_on": [_("约谈日期不能晚于今天：请在约谈后记录。")]}
    if held_on < _today(supervision.created_at):
        return {"held_on": [_("约谈日期不能早于督办开始的日期。")]}
    return {}


def _attendees(names: list[str]) -> dict[str, list[str]]:
    if not names:
        return {"attendees": [_("请填写参加约谈的人员。")]}
    if len(names) > MAX_ATTENDEES:
        return {"attendees": [_("参加人员最多 {n} 人。").format(n=MAX_ATTENDEES)]}
    if any(len(name) > MAX_ATTENDEE for name in names):
        return {"attendees": [_("每位参加人员的姓名最多 {n} 个字。").format(n=MAX_ATTENDEE)]}
    return {}


def _text(name: str, value: str, limit: int) -> dict[str, list[str]]:
    if not value.strip():
        return {name: [_("此项为必填项。")]}
    if len(value.strip()) > limit:
        return {name: [_("最多 {n} 个字。").format(n=limit)]}
    return {}
