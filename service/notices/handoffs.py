"""Handoff notifications: whoever must act next hears of it, in the same transaction as the step.

Every handoff goes through ``handoff``: a new task for a lane or an assignee, a return for
additions and the resubmission, the written reply with its 文号, a rectification ordered,
the case closed or rejected, a task assigned to someone, a comment on a case. Other
services (escalations, the street's 督办) call ``handoff`` with their own kinds. The text
names the step and the case title; the link to where the person acts is ``notice_link``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import Case, HumanTask, RoleGrant, User
from service.notices.notifications import notify, recipients
from service.notices.preferences import KIND_NAMES
from service.notices.webhooks import enqueue
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

# The task a new task's notification is of, by the step that made it and its outcome.
_AFTER: dict[tuple[str, str], str] = {
    ("acceptance_check", "return"): "returned",
    ("supplement", ""): "resubmitted",
    ("oversight_review", "rectify"): "rectification",
    ("rectification", ""): "resubmitted",
    ("quarterly_review", "more"): "returned",
    ("quarterly_supplement", ""): "resubmitted",
}
_OUTCOME_FIELD = {
    "acceptance_check": "acceptance_decision",
    "oversight_review": "oversight_result",
    "quarterly_review": "report_review_result",
}
_REASON_FIELD = {
    "quarterly_review": "review_opinion",
    "quarterly_supplement": "supplement",
    "acceptance_check": "acceptance_reasons",
    "oversight_review": "oversight_findings",
    "supplement": "supplement_note",
    "rectification": "summary",
}


def _deadline(at: datetime) -> str:
    """A deadline as the law words it: one ending at midnight is 24:00 of the day before."""
    local = at.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def handoff(
    session: Session,
    kind: str,
    case: Case,
    users: Iterable[User],
    *,
    now: datetime,
    task: HumanTask | None = None,
    detail: str = "",
    repeat: bool = False,
) -> list[int]:
    """Tell ``users`` of a handoff of ``kind`` in ``case``; returns whom it reached
    (``repeat``: as ``notify``).

    The title says what happened and in which case; ``detail`` (a reason, a 文号) follows
    in the body. No raw address is written into the text: the link is kept apart.
    """
    name = KIND_NAMES.get(kind, kind)
    title = _("{kind}：{case}").format(kind=name, case=case.title)
    if task is not None:
        title = _("{kind}：{step}（{case}）").format(kind=name, step=task.name, case=case.title)
    lines = [_("案件：{case}").format(case=case.title)]
    if task is not None:
        lines.append(_("待办事项：{step}").format(step=task.name))
        if task.due_at is not None:
            lines.append(_("办理期限：{due}").format(due=_deadline(task.due_at)))
    if detail:
        lines.append(detail)
    enqueue(session, kind, case, task, title, detail, now)
    return notify(
        session,
        users,
        kind=kind,
        case=case,
        task=task,
        title=title,
        body="\n".join(lines),
        now=now,
        repeat=repeat,
    )


def applicants(session: Session, case: Case) -> list[User]:
    """The active users of the organization that filed the case (the committee, the firm)."""
    return recipients(session, case, "applicant")


def announce_tasks(
    session: Session, case: Case, now: datetime, kind: str = "new_task", detail: str = ""
) -> None:
    """Tell the workers of each task of ``case`` opened at ``now`` that it waits for them."""
    for task in session.scalars(
        select(HumanTask)
        .where(
            HumanTask.case_id == case.id, HumanTask.status == "open", HumanTask.created_at == now
        )
        .order_by(HumanTask.id)
    ):
        handoff(
            session,
            kind,
            case,
            recipients(session, case, task.role, task.assignee_id),
            now=now,
            task=task,
            detail=detail,
        )


def after_step(
    session: Session, case: Case, done: HumanTask, data: Mapping[str, Any], now: datetime
) -> None:
    """The handoffs of one completed step: its new tasks, and the applicant's news."""
    outcome = str(data.get(_OUTCOME_FIELD.get(done.bpmn_id, ""), "") or "")
    kind = _AFTER.get((done.bpmn_id, outcome)) or _AFTER.get((done.bpmn_id, ""), "new_task")
    reason = str(data.get(_REASON_FIELD.get(done.bpmn_id, ""), "") or "")
    detail = _("说明：{reason}").format(reason=reason) if reason and kind != "new_task" else ""
    announce_tasks(session, case, now, kind, detail)
    if done.bpmn_id == "written_reply":
        number = data.get("reply_document_number", "")
        handoff(
            session,
            "rejected" if data.get("reply_decision") == "disagree" else "reply_issued",
            case,
            applicants(session, case),
            now=now,
            detail=_("批复文号：{number}").format(number=number),
        )
    elif case.status in ("closed", "rejected") and case.closed_at == now:
        handoff(session, case.status, case, applicants(session, case), now=now)


def assigned(session: Session, case: Case, task: HumanTask, now: datetime) -> None:
    """Tell the person a task was just handed to."""
    if task.assignee_id is None:
        return
    handoff(
        session,
        "assigned",
        case,
        recipients(session, case, task.role, task.assignee_id),
        now=now,
        task=task,
    )


def commented(session: Session, case: Case, author_id: int, text: str, now: datetime) -> None:
    """Tell the filers of the case and those who worked its steps (not the author) of a comment."""
    workers = select(HumanTask.completed_by).where(
        HumanTask.case_id == case.id, HumanTask.completed_by.is_not(None)
    )
    filers = select(RoleGrant.user_id).where(
        RoleGrant.role == "applicant", RoleGrant.organization_id == case.applicant_org_id
    )
    users = session.scalars(
        select(User)
        .where(User.active, User.id != author_id, User.id.in_(workers.union(filers)))
        .order_by(User.id)
    )
    excerpt = text if len(text) <= 200 else text[:200] + "…"
    handoff(session, "comment", case, users, now=now, detail=_("意见：{text}").format(text=excerpt))


def deadline_set(
    session: Session, case: Case, step: HumanTask, reason: str, now: datetime
) -> list[int]:
    """Tell the workers of an overdue step the new deadline the street gave it."""
    return handoff(
        session,
        "deadline_set",
        case,
        recipients(session, case, step.role, step.assignee_id),
        now=now,
        task=step,
        detail=_("理由：{reason}").format(reason=reason),
        repeat=True,
    )


def handed_back(
    session: Session, case: Case, step: HumanTask, instructions: str, now: datetime
) -> list[int]:
    """Tell the workers of an overdue step that the street handed it back to them."""
    return handoff(
        session,
        "handed_back",
        case,
        recipients(session, case, step.role, step.assignee_id),
        now=now,
        task=step,
        detail=_("督办意见：{instructions}").format(instructions=instructions),
        repeat=True,
    )
