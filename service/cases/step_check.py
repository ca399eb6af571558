"""Checking a step's form without completing it: "核算" and "预览" on the task pages.

The party organization wants to see whether a meeting had its quorum, whether an owners'
vote passed, or how a reply will read, before committing to it. This runs exactly the
validation ``CaseService.complete_task`` runs, against the same case data, settings and
clock, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.cases.operation import moment_at, recorded_dates, step_context
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import Case, CaseState, HumanTask
from service.people.access import Actor, may_read_case, may_work_task
from workflows import duty_forms, forms
from workflows.engine.case_engine import CaseEngine
from workflows.engine.errors import TaskNotReady
from workflows.engine.script_engine import CaseScriptEngine
from workflows.i18n import _


def task_context(service: CaseService, actor: Actor, task_id: int) -> dict[str, Any]:
    """The data an open task sees (earlier steps' results), for showing and checking it."""
    with service.sessions() as session:
        task, case = _open_task(session, actor, task_id)
        return _task_data(session, case, task, service)


def check_step(
    service: CaseService, actor: Actor, task_id: int, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The cleaned step data with its derived values, or InvalidInput with the messages."""
    with service.sessions() as session:
        task, case = _open_task(session, actor, task_id)
        seen = _task_data(session, case, task, service)
        moment = moment_at(session, service.clock.now())
        dates = recorded_dates(session, case, seen)
        ctx = step_context(moment, case.matter_type, case.sub_type, seen, dates)
        try:
            return duty_forms.validate_case_step(case.matter_type, task.bpmn_id, payload, ctx)
        except forms.FormError as exc:
            raise InvalidInput(exc.messages) from exc


def _open_task(session: Session, actor: Actor, task_id: int) -> tuple[HumanTask, Case]:
    task = session.get(HumanTask, task_id)
    case = session.get(Case, task.case_id) if task else None
    if task is None or case is None or not may_read_case(actor, case):
        raise NotFound(_("没有这个任务"))
    if not may_work_task(actor, task, case):
        raise Forbidden(_("您没有办理该任务的权限"))
    if task.status != "open":
        raise Conflict(_("该任务已由他人办理完毕"))
    return task, case


def _task_data(session: Session, case: Case, task: HumanTask, service: CaseService) -> dict:
    engine = CaseEngine(models_for(session, case.model_version))
    state = session.get(CaseState, case.id)
    now = service.clock.now()
    workflow = engine.load(
        state.state, CaseScriptEngine(now=lambda: now, functions={}), case.process_id
    )
    try:
        return engine.task_data(workflow, task.bpmn_id)
    except TaskNotReady as exc:
        raise Conflict(_("该任务已不在办理中")) from exc
