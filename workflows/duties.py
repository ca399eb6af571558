"""The periodic duties and incident reports that committees and firms owe the party organization.

Beside the matters that need prior consent (catalogue.MATTERS), domain.md §6 asks for a
quarterly report, a year-end report-and-review (述职评议) and prompt reports of major
problems and emergencies. Each is a process of its own (``bpmn/<code>.bpmn``) and runs as
a case like a matter, but they are kept apart from MATTERS: nobody asks for consent, there
is no prior approval and no owners' vote. Quarterly reports and year-end reviews are filed
by the service on schedule, one per reporting body and period; incidents by the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflows.catalogue import (
    MANAGEMENT_COMMITTEE,
    MATTERS,
    OWNERS_COMMITTEE,
    PROPERTY_FIRM,
    STEP_NAMES,
)
from workflows.i18n import _
from workflows.lifecycle import TimeLimit
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar

# Bodies that report: the owners' committee (or the management committee standing in for
# one) and each firm's project in an estate.
REPORTER_KINDS = (OWNERS_COMMITTEE, MANAGEMENT_COMMITTEE, PROPERTY_FIRM)

QUARTERLY_REPORT = "quarterly_report"
YEAR_END_REVIEW = "year_end_review"
INCIDENT_REPORT = "incident_report"

# The year-end review opens on the first of this month and runs into the new year.
REVIEW_OPENS_MONTH = 12


@dataclass(frozen=True)
class DutyType:
    """One kind of duty: the process that runs it, who reports and whether it is scheduled."""

    code: str
    name: str
    process_id: str
    model_file: str
    scheduled: bool
    steps: tuple[str, ...]
    title: str = ""

    def case_title(self, organization: str, period: Period) -> str:
        """The title of a scheduled case, e.g. 幸福家园小区业主委员会2026年第一季度工作报告."""
        return self.title.format(organization=organization, period=period.label)


def _duty(
    code: str, name: str, *, scheduled: bool, steps: tuple[str, ...], title: str = ""
) -> DutyType:
    return DutyType(code, name, code, f"bpmn/{code}.bpmn", scheduled, steps, title)


DUTIES: dict[str, DutyType] = {
    duty.code: duty
    for duty in (
        _duty(
            QUARTERLY_REPORT,
            _("季度报告"),
            scheduled=True,
            steps=("quarterly_submission", "quarterly_review", "quarterly_supplement"),
            title=_("{organization}{period}工作报告"),
        ),
        _duty(
            YEAR_END_REVIEW,
            _("年度述职评议"),
            scheduled=True,
            steps=(
                "annual_report",
                "annual_evaluation",
                "rectification_progress",
                "rectification_check",
            ),
            title=_("{organization}{period}述职评议"),
        ),
        _duty(
            INCIDENT_REPORT,
            _("重大问题和突发事件报告"),
            scheduled=False,
            steps=("incident_acknowledgement", "incident_follow_up"),
        ),
    )
}

DUTY_STEP_NAMES: dict[str, str] = {
    "quarterly_submission": _("提交季度报告"),
    "quarterly_review": _("审阅季度报告"),
    "quarterly_supplement": _("补充季度报告"),
    "annual_report": _("提交年度述职报告"),
    "annual_evaluation": _("述职评议"),
    "rectification_progress": _("报告整改落实情况"),
    "rectification_check": _("核查整改情况"),
    "incident_acknowledgement": _("知悉确认并提出处置意见"),
    "incident_follow_up": _("报告处置情况"),
    "supervise_quarterly_submission": _("街道督办：季度报告超期"),
    "supervise_annual_report": _("街道督办：年度述职报告超期"),
    "supervise_rectification_progress": _("街道督办：整改落实超期"),
    "supervise_incident_acknowledgement": _("街道督办：事件知悉确认超期"),
    "supervise_quarterly_review": _("街道督办：季度报告审阅超期"),
    "supervise_quarterly_supplement": _("街道督办：季度报告补充超期"),
    "supervise_annual_evaluation": _("街道督办：述职评议超期"),
    "supervise_rectification_check": _("街道督办：整改核查超期"),
    "supervise_incident_follow_up": _("街道督办：处置情况报告超期"),
}
# The duty steps whose deadline is a setting (the others fall due on a date the schedule
# or the party organization set); a supplement is due as a matter's supplement is.
DUTY_TIME_LIMITS: dict[str, TimeLimit] = {
    "incident_acknowledgement": TimeLimit("incident_report_hours", "hours"),
    "quarterly_review": TimeLimit("quarterly_review_working_days", "working_days"),
    "quarterly_supplement": TimeLimit("supplement_working_days", "working_days"),
    "annual_evaluation": TimeLimit("annual_evaluation_working_days", "working_days"),
    "rectification_check": TimeLimit("oversight_working_days", "working_days"),
    "incident_follow_up": TimeLimit("incident_follow_up_working_days", "working_days"),
}


def duty(code: str) -> DutyType:
    """Look up a duty; an unknown code is a caller error, so it raises KeyError."""
    return DUTIES[code]


def kind_name(code: str) -> str:
    """The Chinese name of a case's kind (``Case.matter_type``): a matter's or a duty's."""
    return MATTERS[code].name if code in MATTERS else DUTIES[code].name


def step_name(bpmn_id: str) -> str:
    """The Chinese name of a step of any case, matter or duty."""
    return STEP_NAMES.get(bpmn_id) or DUTY_STEP_NAMES.get(bpmn_id, bpmn_id)


@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter ("2026Q1") or a year ("2026")."""

    key: str
    label: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Window:
    """A period whose report is being asked for now, and the last day it may come in."""

    period: Period
    due_on: date
    warnings: tuple[str, ...]


_QUARTER_NAMES = {1: _("一"), 2: _("二"), 3: _("三"), 4: _("四")}


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    label = _("{year}年第{quarter}季度").format(year=year, quarter=_QUARTER_NAMES[number])
    return Period(f"{year}Q{number}", label, first, after - timedelta(days=1))


def previous_quarter(today: date) -> Period:
    """The last quarter that ended before ``today``."""
    number = (today.month - 1) // 3
    return quarter(today.year - 1, 4) if number == 0 else quarter(today.year, number)


def review_year(year: int) -> Period:
    return Period(
        str(year), _("{year}年度").format(year=year), date(year, 1, 1), date(year, 12, 31)
    )


def open_window(
    code: str, today: date, settings: Settings, calendar: WorkCalendar
) -> Window | None:
    """The period a scheduled duty should be filed for on ``today``, if one is open.

    A quarterly report is asked for from the day after the quarter ends until its due day,
    the configured number of working days later; the year-end review from 1 December until
    the configured working days after the year ends. Outside that window nothing is filed:
    a service switched on late does not open reports that are overdue before anyone saw
    them.
    """
    if code == QUARTERLY_REPORT:
        period = previous_quarter(today)
        working_days = settings.quarterly_report_working_days
        opens = period.last_day + timedelta(days=1)
    elif code == YEAR_END_REVIEW:
        year = today.year if today.month >= REVIEW_OPENS_MONTH else today.year - 1
        period = review_year(year)
        working_days = settings.year_end_review_working_days
        opens = date(year, REVIEW_OPENS_MONTH, 1)
    else:
        raise KeyError(f"{code!r} is not a scheduled duty")
    due_on = calendar.add_working_days(period.last_day, working_days)
    if not opens <= today <= due_on:
        return None
    warnings = tuple(calendar.warnings_between(period.last_day, due_on))
    return Window(period, due_on, warnings)
