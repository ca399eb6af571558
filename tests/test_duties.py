"""The periodic duties without a database: when they open and fall due, their forms, their models.

Dates are real 2026 dates of the official calendar (chinese_calendar): Q1 ends before the
Qingming holiday (4–6 April), Q3 before the National Day week (1–7 October) whose make-up
working day is Saturday 10 October, and 2027 is beyond the package's coverage.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from workflows.duties import (
    DUTIES,
    QUARTERLY_REPORT,
    YEAR_END_REVIEW,
    kind_name,
    open_window,
    previous_quarter,
    quarter,
    step_name,
)
from workflows.duty_forms import (
    DUTY_STEP_FORMS,
    case_step_schema,
    step_schema,
    validate_filing,
    validate_step,
)
from workflows.engine.bundle import ModelBundle
from workflows.engine.case_engine import CaseEngine
from workflows.engine.parsed_models import parsed
from workflows.engine.script_engine import CaseScriptEngine
from workflows.forms import FormError, StepContext, SupervisionForm
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

CALENDAR = WorkCalendar()
SETTINGS = Settings()


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# --------------------------------------------------------------------------- periods


def test_quarters_and_the_quarter_before_a_day() -> None:
    assert quarter(2026, 1).first_day == date(2026, 1, 1)
    assert quarter(2026, 4).last_day == date(2026, 12, 31)
    assert previous_quarter(date(2026, 4, 1)).key == "2026Q1"
    assert previous_quarter(date(2026, 3, 31)).key == "2025Q4"
    assert previous_quarter(date(2026, 1, 1)).label == "2025年第四季度"


def test_quarterly_report_window_counts_working_days_past_qingming() -> None:
    """Q1 2026: 1–3 April, then 7–15 April (4–6 April are Qingming): due 15 April."""
    window = open_window(QUARTERLY_REPORT, date(2026, 4, 1), SETTINGS, CALENDAR)
    assert window is not None
    assert (window.period.key, window.due_on) == ("2026Q1", date(2026, 4, 15))
    assert window.warnings == ()
    assert open_window(QUARTERLY_REPORT, date(2026, 4, 15), SETTINGS, CALENDAR) == window
    assert open_window(QUARTERLY_REPORT, date(2026, 4, 16), SETTINGS, CALENDAR) is None


def test_quarterly_report_due_on_a_make_up_saturday() -> None:
    """Q3 2026 with 3 working days: 8, 9 October and the 调休 Saturday 10 October."""
    settings = replace(SETTINGS, quarterly_report_working_days=3)
    window = open_window(QUARTERLY_REPORT, date(2026, 10, 1), settings, CALENDAR)
    assert window is not None
    assert window.due_on == date(2026, 10, 10)
    assert window.due_on.weekday() == 5


def test_quarterly_report_due_in_2027_carries_a_calendar_warning() -> None:
    window = open_window(QUARTERLY_REPORT, date(2027, 1, 4), SETTINGS, CALENDAR)
    assert window is not None
    assert window.period.key == "2026Q4"
    assert window.due_on == date(2027, 1, 14)  # Mon–Fri guessed, 1 January included
    assert window.warnings and "2027-01-01" in window.warnings[0]
    overridden = WorkCalendar({date(2027, 1, 1): False})
    window = open_window(QUARTERLY_REPORT, date(2027, 1, 4), SETTINGS, overridden)
    assert window is not None and window.due_on == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 11, 30), None),
        (date(2026, 12, 1), "2026"),
        (date(2026, 12, 31), "2026"),
        (date(2027, 1, 21), "2026"),
        (date(2027, 1, 22), None),
        (date(2026, 6, 1), None),
    ],
)
def test_year_end_review_window_runs_from_december_into_january(
    today: date, year: str | None
) -> None:
    """Due 15 working days after 31 December: 21 January 2027 on the Mon–Fri guess."""
    window = open_window(YEAR_END_REVIEW, today, SETTINGS, CALENDAR)
    assert (window.period.key if window else None) == year
    if window:
        assert window.due_on == date(2027, 1, 21)
        assert window.warnings


def test_incidents_are_not_scheduled() -> None:
    assert [d.code for d in DUTIES.values() if d.scheduled] == [QUARTERLY_REPORT, YEAR_END_REVIEW]
    with pytest.raises(KeyError):
        open_window("incident_report", date(2026, 4, 1), SETTINGS, CALENDAR)


# --------------------------------------------------------------------------- forms


def _ctx(data: dict[str, Any] | None = None, now: datetime | None = None) -> StepContext:
    return StepContext(
        matter_type=YEAR_END_REVIEW,
        sub_type="",
        request={},
        data=data or {},
        settings=SETTINGS,
        calendar=CALENDAR,
        now=now or _at(2027, 1, 10, 9),
    )


def _evaluation(**changes: Any) -> dict[str, Any]:
    form = {
        "evaluation": "basically_satisfied",
        "score": 80,
        "evaluation_opinion": "履职基本到位",
        "rectification_items": [
            {"item": "公示维修资金使用情况", "due_on": "2027-03-31"},
            {"item": "完善业主委员会会议记录", "due_on": "2027-02-28"},
        ],
    }
    return {**form, **changes}


def test_evaluation_numbers_the_items_and_finds_the_next_deadline() -> None:
    data = validate_step("annual_evaluation", _evaluation(), _ctx())
    assert [(i["item_no"], i["status"]) for i in data["rectification_items"]] == [
        (1, "open"),
        (2, "open"),
    ]
    assert data["has_rectification"] is True
    assert data["rectification_complete"] is False
    assert data["next_rectification_due_on"] == "2027-02-28"


def test_satisfied_evaluation_without_items_needs_no_rectification() -> None:
    data = validate_step(
        "annual_evaluation", _evaluation(evaluation="satisfied", rectification_items=[]), _ctx()
    )
    assert (data["has_rectification"], data["next_rectification_due_on"]) == (False, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evaluation": "unsatisfied", "rectification_items": []}, "rectification_items"),
        (
            {"rectification_items": [{"item": "整改", "due_on": "2027-01-10"}]},
            "rectification_items.0.due_on",
        ),
        ({"evaluation": "excellent"}, "evaluation"),
        ({"score": 101}, "score"),
    ],
)
def test_evaluation_refuses(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(FormError) as error:
        validate_step("annual_evaluation", _evaluation(**changes), _ctx())
    assert field in error.value.messages


def test_rectification_is_reported_then_confirmed_item_by_item() -> None:
    items = validate_step("annual_evaluation", _evaluation(), _ctx())["rectification_items"]
    evidence = [{"name": "公示照片.jpg", "sha256": "a" * 64}]
    progress = validate_step(
        "rectification_progress",
        {"completed_items": [1, 2], "progress_note": "均已完成", "evidence": evidence},
        _ctx({"rectification_items": items}),
    )
    assert {i["status"] for i in progress["rectification_items"]} == {"reported"}

    check = validate_step(
        "rectification_check",
        {"confirmed_items": [2], "check_opinion": "第1项公示期未满"},
        _ctx({"rectification_items": progress["rectification_items"]}, _at(2027, 2, 1, 9)),
    )
    assert [(i["item_no"], i["status"]) for i in check["rectification_items"]] == [
        (1, "open"),
        (2, "done"),
    ]
    assert check["rectification_items"][1]["done_on"] == "2027-02-01"
    assert (check["rectification_complete"], check["next_rectification_due_on"]) == (
        False,
        "2027-03-31",
    )
    final = validate_step(
        "rectification_check",
        {"confirmed_items": [1], "check_opinion": "已全部完成"},
        _ctx({"rectification_items": check["rectification_items"]}),
    )
    assert final["rectification_complete"] is True
    assert final["next_rectification_due_on"] is None

    with pytest.raises(FormError) as error:
        validate_step(
            "rectification_progress",
            {"completed_items": [2, 7], "progress_note": "……", "evidence": evidence},
            _ctx({"rectification_items": check["rectification_items"]}),
        )
    assert "2、7" in error.value.messages["completed_items"][0]


def test_a_late_incident_report_is_accepted_with_a_warning() -> None:
    form = {
        "incident_kind": "emergency",
        "title": "3号楼电梯困人",
        "occurred_at": "2026-04-01T08:00:00+08:00",
        "description": "电梯停在两层之间",
        "measures_taken": "已通知维保单位解困",
    }
    on_time = validate_filing("incident_report", form, _ctx(now=_at(2026, 4, 2, 7, 59)))
    assert (on_time["reported_late"], on_time["warnings"]) == (False, [])
    late = validate_filing("incident_report", form, _ctx(now=_at(2026, 4, 2, 8, 1)))
    assert late["reported_late"] is True
    assert late["warnings"][0]["field"] == "occurred_at"
    with pytest.raises(FormError):
        validate_filing("quarterly_report", form, _ctx())


def test_names_and_forms_for_cases_of_either_kind() -> None:
    """Lists and task pages show matters and duties side by side without a KeyError."""
    assert kind_name("firm_entry") == "物业服务企业进驻"
    assert kind_name("quarterly_report") == "季度报告"
    assert step_name("written_reply") == "书面批复"
    assert step_name("supervise_quarterly_submission") == "街道督办：季度报告超期"
    assert case_step_schema("year_end_review", "annual_evaluation").__name__ == (
        "AnnualEvaluationForm"
    )
    assert case_step_schema("firm_entry", "firm_selection").__name__ == "FirmSelectionForm"


def test_every_duty_step_has_a_form_and_supervisions_share_one() -> None:
    for duty in DUTIES.values():
        for step in duty.steps:
            assert step in DUTY_STEP_FORMS
    assert step_schema("supervise_annual_report") is SupervisionForm
    with pytest.raises(KeyError):
        step_schema("supervise_nothing")


# --------------------------------------------------------------------------- the models


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at


def _run(process_id: str, data: dict[str, Any], deadlines: dict[str, str], clock: _Clock):
    engine = CaseEngine(parsed(ModelBundle.from_directory()))

    def deadline(step: str, on: str | None = None) -> str:
        return deadlines.get(step, "2099-01-01T00:00:00+08:00")

    script = CaseScriptEngine(now=lambda: clock.at, functions={"deadline": deadline})
    base = {"matter_type": process_id, "sub_type": "", "case_id": 1, "request": {}}
    return engine, engine.start(process_id, {**base, **data}, script)


def _open(engine: CaseEngine, workflow: Any) -> list[str]:
    return sorted(t.bpmn_id for t in engine.open_tasks(workflow))


def test_quarterly_report_asks_for_more_then_closes() -> None:
    clock = _Clock(_at(2026, 4, 1, 9))
    engine, workflow = _run(QUARTERLY_REPORT, {"report_due_on": "2026-04-15"}, {}, clock)
    assert _open(engine, workflow) == ["quarterly_submission"]
    engine.complete(workflow, "quarterly_submission", {})
    engine.complete(workflow, "quarterly_review", {"report_review_result": "more"})
    assert _open(engine, workflow) == ["quarterly_supplement"]
    engine.complete(workflow, "quarterly_supplement", {})
    engine.complete(workflow, "quarterly_review", {"report_review_result": "acknowledged"})
    assert engine.ended_at(workflow) == "case_closed"


def test_an_overdue_report_goes_to_the_street_and_the_case_still_closes() -> None:
    clock = _Clock(_at(2026, 4, 15, 23, 59))
    engine, workflow = _run(
        QUARTERLY_REPORT,
        {"report_due_on": "2026-04-15"},
        {"quarterly_submission": "2026-04-16T00:00:00+08:00"},
        clock,
    )
    assert engine.fire_due_timers(workflow) == []
    clock.at = _at(2026, 4, 16)
    assert engine.fire_due_timers(workflow) == ["overdue_quarterly_submission"]
    assert _open(engine, workflow) == ["quarterly_submission", "supervise_quarterly_submission"]
    engine.complete(workflow, "supervise_quarterly_submission", {})
    engine.complete(workflow, "quarterly_submission", {})
    engine.complete(workflow, "quarterly_review", {"report_review_result": "acknowledged"})
    assert engine.ended_at(workflow) == "case_closed"


def test_year_end_review_tracks_rectification_until_done() -> None:
    clock = _Clock(_at(2027, 1, 10, 9))
    engine, workflow = _run(YEAR_END_REVIEW, {"report_due_on": "2027-01-21"}, {}, clock)
    engine.complete(workflow, "annual_report", {})
    engine.complete(
        workflow,
        "annual_evaluation",
        {"has_rectification": True, "next_rectification_due_on": "2027-02-28"},
    )
    for complete in (False, True):
        assert _open(engine, workflow) == ["rectification_progress"]
        engine.complete(workflow, "rectification_progress", {})
        engine.complete(workflow, "rectification_check", {"rectification_complete": complete})
    assert engine.ended_at(workflow) == "case_closed"


def test_year_end_review_without_rectification_closes_after_the_evaluation() -> None:
    clock = _Clock(_at(2027, 1, 10, 9))
    engine, workflow = _run(YEAR_END_REVIEW, {"report_due_on": "2027-01-21"}, {}, clock)
    engine.complete(workflow, "annual_report", {})
    engine.complete(workflow, "annual_evaluation", {"has_rectification": False})
    assert engine.ended_at(workflow) == "case_closed"


@pytest.mark.parametrize("follow_up", [True, False])
def test_incident_is_acknowledged_and_followed_up_when_asked(follow_up: bool) -> None:
    clock = _Clock(_at(2026, 4, 1, 9))
    engine, workflow = _run("incident_report", {}, {}, clock)
    assert _open(engine, workflow) == ["incident_acknowledgement"]
    engine.complete(workflow, "incident_acknowledgement", {"follow_up_required": follow_up})
    if follow_up:
        assert _open(engine, workflow) == ["incident_follow_up"]
        engine.complete(workflow, "incident_follow_up", {})
    assert engine.ended_at(workflow) == "case_closed"
