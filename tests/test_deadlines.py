"""Every kind of deadline at its exact boundary, on SQLite and PostgreSQL.

A deadline is the end (24:00 Shanghai) of a working day, or an instant a number of
calendar hours on, or the end of a day a person set. One microsecond before it nothing
fires; at it the timer fires, the street gets its 督办 task and the history records the
escalation. Real 2026 dates (chinese_calendar): National Day 1–7 October with the make-up
working day Saturday 10 October; the package ends with 2026, so 2027 days are guessed
Mon–Fri with a warning unless an administrator enters them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from duty_support import (
    at,
    duties_of,
    events,
    file_firm_entry,
    notices,
    open_task,
)
from sqlalchemy import select

from service.cases.case_service import CaseService
from service.cases.reminders import send_due_reminders
from service.core.clock import FixedClock
from service.core.configuration import load_configuration
from service.core.models import CalendarDay, Case, SettingOverride
from workflows.deadlines import DeadlineLog
from workflows.engine.bundle import ModelBundle
from workflows.engine.case_engine import CaseEngine
from workflows.engine.parsed_models import parsed
from workflows.engine.script_engine import CaseScriptEngine
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

TICK = timedelta(microseconds=1)


def _fires_exactly_at(
    service: CaseService,
    clock: FixedClock,
    case_id: int,
    step: str,
    due: datetime,
    cases_due: int = 1,
) -> None:
    """Nothing a microsecond before ``due``; at ``due`` the step escalates once."""
    task = open_task(service, case_id, step)
    assert task is not None and task.due_at == due
    clock.set(due - TICK)
    assert service.run_due_timers() == 0
    assert open_task(service, case_id, f"supervise_{step}") is None
    clock.set(due)
    assert service.run_due_timers() == cases_due
    assert open_task(service, case_id, f"supervise_{step}") is not None
    assert open_task(service, case_id, step) is not None, "the late step stays open"
    [escalated] = events(service, case_id, "escalated")
    assert escalated.data["step"] == step
    assert datetime.fromisoformat(escalated.data["due_at"]) == due
    assert service.run_due_timers() == 0


def test_working_day_deadline_on_a_make_up_saturday(service: CaseService, clock) -> None:
    """Filed on the last day of the National Day week: 8, 9 and Saturday 10 October."""
    clock.set(at(2026, 10, 7, 9))
    case_id = file_firm_entry(service)
    _fires_exactly_at(service, clock, case_id, "acceptance_check", at(2026, 10, 11))


def test_working_day_deadline_on_the_last_day_of_2026(service: CaseService, clock) -> None:
    clock.set(at(2026, 12, 28, 9))
    case_id = file_firm_entry(service)
    _fires_exactly_at(service, clock, case_id, "acceptance_check", at(2027, 1, 1))


def test_working_day_deadline_in_2027_is_guessed_with_a_warning(
    service: CaseService, clock
) -> None:
    """No calendar covers 1 January 2027: it counts as a Friday, and the reminder says so."""
    clock.set(at(2026, 12, 30, 9))
    case_id = file_firm_entry(service)
    due = at(2027, 1, 5)
    clock.set(due - timedelta(hours=1))
    assert send_due_reminders(service.sessions, clock.now()) == 1
    [reminder] = events(service, case_id, "reminder_sent")
    assert any("2027-01-01" in w for w in reminder.data["calendar_warnings"])
    assert "2027-01-01" in notices(service, "secretary", "reminder")[0].body
    _fires_exactly_at(service, clock, case_id, "acceptance_check", due)


def test_an_administrators_2027_holiday_moves_the_deadline(service: CaseService, clock) -> None:
    with service.transaction() as session:
        session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    clock.set(at(2026, 12, 30, 9))
    case_id = file_firm_entry(service)
    _fires_exactly_at(service, clock, case_id, "acceptance_check", at(2027, 1, 6))


def test_settings_and_calendar_days_are_read_in_one_statement(service: CaseService) -> None:
    """A step reads both with one UNION: each row lands in the right one, typed."""
    with service.transaction() as session:
        session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, note="元旦"))
        session.add(CalendarDay(day=date(2027, 2, 7), is_workday=True, note="调休"))
        session.add(SettingOverride(key="acceptance_working_days", value=4))
        session.add(SettingOverride(key="emergency_categories", value=["roof_leak"]))
    with service.sessions() as session:
        settings, calendar = load_configuration(session)
    assert settings.acceptance_working_days == 4
    assert settings.emergency_categories == ("roof_leak",)
    assert settings.study_working_days == Settings().study_working_days
    assert calendar.day_info(date(2027, 1, 1)).source == "override"
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 7)), "a Sunday made a working day"


def test_hours_deadline_runs_through_a_holiday(service: CaseService, clock) -> None:
    """An incident reported on 30 September must be acknowledged within 24 calendar hours,
    holiday or not: by noon on National Day."""
    clock.set(at(2026, 9, 30, 12))
    duties = duties_of(service)
    with service.sessions() as session:
        actor = service.actor(session, "committee")
    case_id = duties.report_incident(
        actor,
        {
            "request": {
                "incident_kind": "emergency",
                "title": "地下车库进水",
                "occurred_at": "2026-09-30T10:00:00+08:00",
                "description": "暴雨导致地下车库进水",
                "measures_taken": "已启动排水泵",
            }
        },
    )
    assert notices(service, "secretary", "new_task"), "the party secretary hears at once"
    _fires_exactly_at(service, clock, case_id, "incident_acknowledgement", at(2026, 10, 1, 12))
    assert [n.kind for n in notices(service, "street")] == ["escalation"]
    assert [n.kind for n in notices(service, "secretary", "overdue")] == ["overdue"]


def test_quarterly_report_due_on_a_make_up_saturday(service: CaseService, clock) -> None:
    with service.transaction() as session:
        session.add(SettingOverride(key="quarterly_report_working_days", value=3))
    clock.set(at(2026, 10, 1, 9))
    assert duties_of(service).file_scheduled_duties() == 5
    with service.sessions() as session:
        case_id = session.scalar(
            select(Case.id).where(Case.matter_type == "quarterly_report").order_by(Case.id)
        )
    _fires_exactly_at(service, clock, case_id, "quarterly_submission", at(2026, 10, 11), 5)
    assert {n.kind for n in notices(service, "committee")} == {"new_task", "overdue"}


# --------------------------------------------------------------------------- rectification


def test_rectification_is_due_at_the_end_of_the_day_the_party_organization_set() -> None:
    """The oversight model's timer takes the date from the review: end of 1 October 2026.

    A date a person set is kept as set, even on a holiday: it is not a period counted
    in days, so 民法典 203 does not move it.
    """
    now = at(2026, 9, 20, 10)
    engine = CaseEngine(parsed(ModelBundle.from_directory()))
    settings, calendar = Settings(), WorkCalendar()

    def script(moment: datetime) -> CaseScriptEngine:
        log = DeadlineLog(moment, settings, calendar)
        return CaseScriptEngine(now=lambda: moment, functions={"deadline": log})

    workflow = engine.start("oversight", {"request": {}}, script(now))
    engine.complete(workflow, "implementation_report", {})
    engine.complete(
        workflow,
        "oversight_review",
        {"oversight_result": "rectify", "rectification_deadline": "2026-10-01"},
    )
    [task] = engine.open_tasks(workflow)
    due = datetime(2026, 10, 2, tzinfo=SHANGHAI)
    assert (task.bpmn_id, task.due_at) == ("rectification", due)
    workflow.script_engine = script(due - TICK)
    assert engine.fire_due_timers(workflow) == []
    workflow.script_engine = script(due)
    assert engine.fire_due_timers(workflow) == ["overdue_rectification"]
    assert {t.bpmn_id for t in engine.open_tasks(workflow)} == {
        "rectification",
        "supervise_rectification",
    }


@pytest.mark.parametrize("day", ["2026-10-10", "2027-03-01"])
def test_rectification_deadline_is_recorded_for_replay(day: str) -> None:
    log = DeadlineLog(at(2026, 9, 20, 10), Settings(), WorkCalendar())
    value = log("rectification", day)
    expected = datetime.fromisoformat(day).replace(tzinfo=SHANGHAI) + timedelta(days=1)
    assert datetime.fromisoformat(value) == expected
    replayed = DeadlineLog(at(2030, 1, 1), recorded=log.issued)
    assert replayed("rectification", day) == value
