"""Completing a task: the step every case moves by, matters and duties alike.

One transaction locks the case row, checks who may work the task, restores the engine
state at this moment, validates the form against the data the task sees, lets the
engine move, numbers the 批复 when the step is the written reply, saves the state, the
case and task rows and appends one event. Either all of it lands or none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.cases.model_store import models_for
from service.cases.operation import moment_at, recorded_dates, step_context, validated
from service.cases.persistence import locked_step, mark_completed, save
from service.cases.supervision_closing import close_supervisions, record_closings
from service.core.clock import Clock
from service.core.errors import Conflict, Forbidden
from service.core.models import Case, HumanTask, Organization, WrittenReply
from service.duties.firm_credit import with_registered_standing
from service.estates import fund
from service.history.chain import append_event, state_fingerprint
from service.notices.handoffs import after_step
from service.people.access import Actor, may_work_task
from workflows import duty_forms
from workflows.engine.case_engine import CaseEngine
from workflows.engine.errors import TaskNotReady
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI


def complete_task(
    session: Session,
    clock: Clock,
    actor: Actor,
    task_id: int,
    payload: Mapping[str, Any],
    expected_revision: int | None = None,
    check: Callable[[Session, HumanTask], None] | None = None,
) -> int:
    """Complete an open task with its form data; returns the case's new revision.

    Problems are reported in the order callers should hear of them: out of scope (404),
    no right to work it (403), done or someone else's (409), then ``check`` (the
    caller's own, e.g. the files the form names), then a stale revision (409).
    """
    step = locked_step(session, actor, task_id)
    task, case = step.task, step.case
    if not may_work_task(actor, task, case):
        raise Forbidden(_("您没有办理该任务的权限。"))
    if task.status != "open":
        raise Conflict(_("该任务已办理完毕或已取消。"))
    if task.assignee_id not in (None, actor.user_id):
        raise Conflict(_("该任务已由他人签收。"))
    if check is not None:
        check(session, task)
    if expected_revision is not None and expected_revision != case.revision:
        raise Conflict(_("案件已被他人更新，请刷新后重试"))
    moment = moment_at(session, clock.now())
    engine = CaseEngine(models_for(session, case.model_version))
    workflow = engine.load(step.state, moment.script_engine(), case.process_id)
    try:
        seen = engine.task_data(workflow, task.bpmn_id)
    except TaskNotReady as exc:
        raise Conflict(_("该任务已不在办理中")) from exc
    dates = recorded_dates(session, case, seen)
    ctx = step_context(moment, case.matter_type, case.sub_type, seen, dates)
    if task.bpmn_id == "firm_selection":
        payload = with_registered_standing(session, payload)
    data = validated(
        partial(duty_forms.validate_case_step, case.matter_type),
        task.bpmn_id,
        payload,
        ctx,
    )
    if task.bpmn_id == "written_reply":
        data["reply_document_number"] = issue_reply(
            session, case, actor, data["reply_decision"], moment.now
        )
    engine.complete(workflow, task.bpmn_id, data)
    mark_completed(session, task, actor.user_id, moment.now)
    closings = close_supervisions(session, engine, workflow, moment, task, step.other_open)
    state = save(session, case, engine, workflow, moment.now, step.other_open)
    fund.follow_step(session, case, task.bpmn_id, data)
    after_step(session, case, task, data, moment.now)
    append_event(
        session,
        case.id,
        "task_completed",
        moment.now,
        actor.user_id,
        task.bpmn_id,
        {
            "task": task.bpmn_id,
            "data": data,
            "deadlines": moment.deadlines.issued,
            "digest": closings[0].before_digest if closings else case.state_digest,
            "state_sha256": closings[0].before_sha256 if closings else state_fingerprint(state),
        },
        step.head,
    )
    record_closings(session, case, task, closings, state, moment.now)
    return case.revision


def issue_reply(session: Session, case: Case, actor: Actor, decision: str, now: datetime) -> str:
    """Number the 批复 per party organization and year, e.g. 幸福社区党委批〔2026〕3号."""
    party = session.scalar(
        select(Organization).where(
            Organization.place_id == case.community_id,
            Organization.kind == "party_organization",
        )
    )
    if party is None:
        raise Conflict(_("该社区尚未登记党组织，无法出具批复"))
    year = now.astimezone(SHANGHAI).year
    serial = 1 + (
        session.scalar(
            select(func.max(WrittenReply.serial)).where(
                WrittenReply.party_org_id == party.id, WrittenReply.year == year
            )
        )
        or 0
    )
    number = f"{party.name}批〔{year}〕{serial}号"
    try:
        with session.begin_nested():
            session.add(
                WrittenReply(
                    case_id=case.id,
                    party_org_id=party.id,
                    year=year,
                    serial=serial,
                    document_number=number,
                    decision=decision,
                    issued_at=now,
                    signed_by=actor.user_id,
                )
            )
    except IntegrityError as exc:
        raise Conflict(_("批复文号正被同时使用，请重试")) from exc
    return number
