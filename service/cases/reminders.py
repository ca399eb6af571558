"""Reminders before a step falls due, and the record of its escalation when it is overdue.

The deadline itself is a BPMN boundary timer; when it fires, the model opens the street's
督办 task (``supervise_<step>``). This module tells people about it: a reminder to those
who may work the step some hours before it is due, and, when the timer has fired, a notice
to the street and to the late step's workers, with an ``escalated`` entry in the case
history. A new deadline the street sets on its 督办 has no timer of its own: the worker
escalates again when it passes with the step still open. All run with the case row locked
and mark the task, so a second worker or a second run finds nothing left to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from service.core.configuration import load_calendar, load_settings
from service.core.models import Case, HumanTask
from service.history.chain import append_event
from service.notices.handoffs import announce_tasks
from service.notices.notifications import case_link, notify, recipients
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI, WorkCalendar

SUPERVISION_PREFIX = "supervise_"


def _local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _reminder_due(now: datetime, horizon: datetime) -> tuple[ColumnElement[bool], ...]:
    """Open tasks with a deadline inside the reminder horizon that nobody was reminded of."""
    return (
        HumanTask.status == "open",
        HumanTask.reminded_at.is_(None),
        HumanTask.due_at.is_not(None),
        HumanTask.due_at > now,
        HumanTask.due_at <= horizon,
    )


def send_due_reminders(sessions: sessionmaker[Session], now: datetime, limit: int = 100) -> int:
    """Remind the workers of steps falling due within the configured hours; returns how many.

    Each case is handled in its own transaction with its row locked (skipped when another
    worker holds it), and a task is marked when reminded, so no one is reminded twice.
    """
    with sessions() as session:
        horizon = now + timedelta(hours=load_settings(session).reminder_before_hours)
        case_ids = list(
            session.scalars(
                select(HumanTask.case_id)
                .where(*_reminder_due(now, horizon))
                .group_by(HumanTask.case_id)
                .order_by(HumanTask.case_id)
                .limit(limit)
            )
        )
    reminded = 0
    for case_id in case_ids:
        with sessions() as session, session.begin():
            case = session.scalar(
                select(Case).where(Case.id == case_id).with_for_update(skip_locked=True, of=Case)
            )
            if case is None:
                continue
            calendar = load_calendar(session)
            tasks = session.scalars(
                select(HumanTask)
                .where(HumanTask.case_id == case_id, *_reminder_due(now, horizon))
                .order_by(HumanTask.id)
            )
            for task in tasks:
                _remind(session, case, task, calendar, now)
                reminded += 1
    return reminded


def _remind(
    session: Session, case: Case, task: HumanTask, calendar: WorkCalendar, now: datetime
) -> None:
    due = _local(task.due_at)
    warnings = calendar.warnings_between(task.created_at, task.due_at)
    body = _("案件“{case}”的“{step}”办理期限为 {due}，请及时办理：{link}").format(
        case=case.title, step=task.name, due=due, link=case_link(case.id)
    )
    if warnings:
        body += "\n" + "\n".join(warnings)
    users = recipients(session, case, task.role, task.assignee_id)
    notified = notify(
        session,
        users,
        kind="reminder",
        case=case,
        task=task,
        title=_("提醒：“{step}”将于 {due} 到期").format(step=task.name, due=due),
        body=body,
        now=now,
        repeat=True,
    )
    task.reminded_at = now
    append_event(
        session,
        case.id,
        "reminder_sent",
        now,
        None,
        task.bpmn_id,
        {
            "task_id": task.id,
            "due_at": task.due_at.isoformat(),
            "recipients": notified,
            "calendar_warnings": warnings,
        },
    )


def record_escalations(session: Session, case: Case, now: datetime) -> int:
    """Announce the street's new 督办 tasks of a case whose timers just fired.

    Called inside the transaction that fired the timers, with the case row locked, so
    the escalation is recorded together with the firing or not at all.
    """
    supervisions = list(
        session.scalars(
            select(HumanTask)
            .where(
                HumanTask.case_id == case.id,
                HumanTask.status == "open",
                HumanTask.bpmn_id.startswith(SUPERVISION_PREFIX, autoescape=True),
                HumanTask.escalation_sent_at.is_(None),
            )
            .order_by(HumanTask.id)
        )
    )
    for supervision in supervisions:
        _escalate(session, case, supervision, now)
    return len(supervisions)


def _missed_new_deadline(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Open 督办 whose new deadline (set by the street) passed after its last escalation."""
    return (
        HumanTask.status == "open",
        HumanTask.bpmn_id.startswith(SUPERVISION_PREFIX, autoescape=True),
        HumanTask.due_at.is_not(None),
        HumanTask.due_at <= now,
        HumanTask.escalation_sent_at.is_not(None),
        HumanTask.escalation_sent_at < HumanTask.due_at,
    )


def escalate_missed_deadlines(
    sessions: sessionmaker[Session], now: datetime, limit: int = 100
) -> int:
    """Escalate again every step that let the street's new deadline pass; returns how many.

    The step's boundary timer fired once, at its first deadline; the street's new deadline
    is watched here, so missing it calls the street in again and goes on the record of the
    body whose step it is (``escalated``, as the first time). Each case is handled in its
    own transaction with its row locked, skipped when another worker holds it.
    """
    with sessions() as session:
        case_ids = list(
            session.scalars(
                select(HumanTask.case_id)
                .where(*_missed_new_deadline(now))
                .group_by(HumanTask.case_id)
                .order_by(HumanTask.case_id)
                .limit(limit)
            )
        )
    escalated = 0
    for case_id in case_ids:
        with sessions() as session, session.begin():
            case = session.scalar(
                select(Case).where(Case.id == case_id).with_for_update(skip_locked=True, of=Case)
            )
            if case is None:
                continue
            supervisions = session.scalars(
                select(HumanTask)
                .where(HumanTask.case_id == case_id, *_missed_new_deadline(now))
                .order_by(HumanTask.id)
            )
            for supervision in supervisions:
                _escalate(session, case, supervision, now, again=True)
                escalated += 1
    return escalated


def _escalate(
    session: Session, case: Case, supervision: HumanTask, now: datetime, *, again: bool = False
) -> None:
    """Tell the street and the late step's workers; ``again`` when the street's own new
    deadline is the one missed."""
    step = supervision.bpmn_id.removeprefix(SUPERVISION_PREFIX)
    late = session.scalar(
        select(HumanTask)
        .where(HumanTask.case_id == case.id, HumanTask.bpmn_id == step)
        .order_by(HumanTask.id.desc())
        .limit(1)
    )
    step_name = late.name if late is not None else step
    due = _local(late.due_at) if late is not None and late.due_at else ""
    link = case_link(case.id)
    street = notify(
        session,
        recipients(session, case, supervision.role),
        kind="escalation",
        case=case,
        task=supervision,
        title=(
            _("督办：“{step}”超过街道党工委重新确定的期限") if again else _("督办：“{step}”已超期")
        ).format(step=step_name),
        body=_("案件“{case}”的“{step}”已超过办理期限（{due}），请督办：{link}").format(
            case=case.title, step=step_name, due=due, link=link
        ),
        now=now,
        repeat=again,
    )
    late_workers: list[int] = []
    if late is not None and late.status == "open":
        late_workers = notify(
            session,
            recipients(session, case, late.role, late.assignee_id),
            kind="overdue",
            case=case,
            task=late,
            title=(
                _("再次超期：“{step}”未在街道党工委重新确定的期限内办理")
                if again
                else _("超期：“{step}”已提交街道党工委督办")
            ).format(step=step_name),
            body=_("案件“{case}”的“{step}”已超过办理期限（{due}），请尽快办理：{link}").format(
                case=case.title, step=step_name, due=due, link=link
            ),
            now=now,
            repeat=again,
        )
    supervision.escalation_sent_at = now
    append_event(
        session,
        case.id,
        "escalated",
        now,
        None,
        supervision.bpmn_id,
        {
            "step": step,
            "overdue_task_id": late.id if late is not None else None,
            "overdue_role": late.role if late is not None else None,
            "due_at": late.due_at.isoformat() if late is not None and late.due_at else None,
            "supervision_task_id": supervision.id,
            "street_recipients": street,
            "overdue_recipients": late_workers,
            "again": again,
        },
    )


def announce_open_tasks(session: Session, case: Case, now: datetime) -> None:
    """Tell the workers of a freshly filed duty case's first tasks that they are waiting."""
    announce_tasks(session, case, now)
