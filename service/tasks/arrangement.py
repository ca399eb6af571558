"""A task's arrangement: its due date, its follow-up date and its priority. Each change
locks the case row and is entered in the case history with what it was before.

The due date and the priority are the party organization's to set (and the street's, on
a step it supervises): the body whose step it is may not move its own deadline. The
follow-up date is a note to oneself, for anyone who works the task. A moved due date is
reminded of again, and a step the street supervises takes its 督办 along: the 督办 follows
up by the same day, and the worker escalates again if the step lets it pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cases.persistence import locked_task
from service.core.errors import Conflict, Forbidden, InvalidInput
from service.core.models import HumanTask
from service.people.access import Actor, may_assign_task, may_work_task
from service.tasks.claiming import must_be_open, record
from service.tasks.inbox import TaskView, task_views
from service.tasks.supervision import may_rearrange, open_supervision
from workflows.i18n import _

MIN_PRIORITY, MAX_PRIORITY = 0, 100
# What only the party organization (or the supervising street) may change.
RESERVED = {"due_at": _("办理期限"), "priority": _("优先级")}


def update_task(
    svc: CaseService, actor: Actor, task_id: int, changes: Mapping[str, Any]
) -> TaskView:
    """Set the due date, the follow-up date or the priority; each change goes in the history."""
    with svc.transaction() as session:
        task, case = locked_task(session, actor, task_id)
        rearranger = may_rearrange(session, actor, task, case)
        assigner = may_assign_task(actor, task, case)
        if not (rearranger or assigner or may_work_task(actor, task, case)):
            raise Forbidden(_("您没有办理该任务的权限。"))
        must_be_open(task)
        if task.assignee_id not in (None, actor.user_id) and not (assigner or rearranger):
            raise Conflict(_("该任务已由他人签收。"))
        changed: dict[str, dict[str, Any]] = {}
        for name in ("due_at", "follow_up_at", "priority"):
            if name not in changes or changes[name] == getattr(task, name):
                continue
            value = changes[name]
            if name in RESERVED and not rearranger:
                raise Forbidden(
                    _(
                        "您不能调整“{field}”：办理期限和优先级只能由社区党组织调整，"
                        "街道党工委督办期间也可调整超期步骤的办理期限。"
                    ).format(field=RESERVED[name])
                )
            if name == "priority" and not MIN_PRIORITY <= value <= MAX_PRIORITY:
                raise InvalidInput({"priority": [_("优先级应为 0 至 100 的整数。")]})
            if name == "due_at" and value is None:
                raise InvalidInput({"due_at": [_("办理期限不能清空。")]})
            changed[name] = {"from": plain(getattr(task, name)), "to": plain(value)}
            setattr(task, name, value)
        if "due_at" in changed:
            _move_deadline(session, task)
        if changed:
            record(
                session, svc, actor, task, "task_updated", {"task_id": task.id, "changes": changed}
            )
        return task_views(session, [task], svc.clock.now())[0]


def _move_deadline(session: Session, task: HumanTask) -> None:
    """Remind again before the new due date; a supervised step's 督办 moves with it."""
    task.reminded_at = None
    supervision = open_supervision(session, task.case_id, task.bpmn_id)
    if supervision is not None:
        supervision.due_at, supervision.reminded_at = task.due_at, None


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
