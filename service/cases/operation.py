"""What one operation on a case runs with: the moment (the time, the settings and the
calendar, the deadlines it issues), and the form check that answers a refused form 422.

Filing, completing a step and firing timers each read the settings and the calendar once,
at the start, and record the deadlines they issued, so replay gives the same ones later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.configuration import load_configuration
from service.core.errors import InvalidInput
from service.core.models import Case, WrittenReply
from workflows import forms
from workflows.case_order import case_dates
from workflows.deadlines import DeadlineLog
from workflows.engine.script_engine import CaseScriptEngine
from workflows.formkit.base import CaseDates
from workflows.i18n import _
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar


@dataclass
class Moment:
    """What one operation runs with: the time, the settings and calendar, the deadlines."""

    now: datetime
    settings: Settings
    calendar: WorkCalendar
    deadlines: DeadlineLog

    def script_engine(self) -> CaseScriptEngine:
        return CaseScriptEngine(now=lambda: self.now, functions={"deadline": self.deadlines})


def moment_at(session: Session, now: datetime) -> Moment:
    """The moment ``now`` with the settings and calendar the database holds."""
    settings, calendar = load_configuration(session)
    return Moment(now, settings, calendar, DeadlineLog(now, settings, calendar))


def step_context(
    moment: Moment,
    matter_type: str,
    sub_type: str,
    data: Mapping[str, Any],
    dates: CaseDates | None = None,
) -> forms.StepContext:
    """What a form's checks see: the case's kind, the data so far, settings, calendar, time,
    and the days the case recorded (none for a filing)."""
    return forms.StepContext(
        matter_type=matter_type,
        sub_type=sub_type,
        request=data.get("request", {}),
        data=data,
        settings=moment.settings,
        calendar=moment.calendar,
        now=moment.now,
        dates=dates or CaseDates(),
    )


def recorded_dates(session: Session, case: Case, data: Mapping[str, Any]) -> CaseDates:
    """The case's filing day, its written reply's day once issued, and the facts its steps
    recorded in ``data``: what a step's dates may not precede (issues 18, 27)."""
    issued = session.scalar(select(WrittenReply.issued_at).where(WrittenReply.case_id == case.id))
    return case_dates(
        case.matter_type,
        data,
        filed_on=case.filed_at.astimezone(SHANGHAI).date(),
        replied_on=issued.astimezone(SHANGHAI).date() if issued else None,
    )


def validated(
    validate: Callable[..., dict[str, Any]], key: str, payload: Any, ctx: forms.StepContext
) -> dict[str, Any]:
    """The form ``payload`` cleaned by ``validate``; InvalidInput with its messages if not."""
    if not isinstance(payload, Mapping):
        raise InvalidInput({"request": [_("请填写表单内容（JSON 对象）")]})
    try:
        return validate(key, payload, ctx)
    except forms.FormError as exc:
        raise InvalidInput(exc.messages) from exc
