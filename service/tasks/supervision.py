"""The street's 督办 (supervision) of an overdue step: finding the supervision of a step
and the step a supervision is about."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import Case, HumanTask
from service.people.access import Actor, may_rearrange_task

SUPERVISION_PREFIX = "supervise_"


def open_supervision(session: Session, case_id: int, step: str) -> HumanTask | None:
    """The street's open 督办 task of the case's step ``step``, if one is open."""
    return session.scalar(
        select(HumanTask)
        .where(
            HumanTask.case_id == case_id,
            HumanTask.bpmn_id == SUPERVISION_PREFIX + step,
            HumanTask.status == "open",
        )
        .order_by(HumanTask.id)
        .limit(1)
    )


def may_rearrange(session: Session, actor: Actor, task: HumanTask, case: Case) -> bool:
    """``may_rearrange_task``, knowing whether the street's 督办 of this step is open."""
    supervised = open_supervision(session, case.id, task.bpmn_id) is not None
    return may_rearrange_task(actor, task, case, supervised)
