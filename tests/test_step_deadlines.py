"""Nobody's step without a deadline: the applicant's steps and the duties' reviews fall due
per their [config] setting, remind, and escalate to the street when they run over, and
again when they let a new deadline of the street's pass."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from duty_support import at, complete, duties_of, events, notices, open_task
from flask import Flask
from sqlalchemy import select
from web_support import Client

from service.admin.settings import set_setting
from service.app import create_app
from service.cases.case_service import CaseService
from service.cases.reminders import escalate_missed_deadlines, send_due_reminders
from service.core.clock import FixedClock
from service.core.models import Case
from service.demo.cases import drive, step_lead
from service.duties.firm_credit import firm_record
from service.history.replay import verify_all
from service.tasks import street_powers
from service.tasks.arrangement import update_task
from service.worker import Worker
from workflows.work_calendar import SHANGHAI


@pytest.fixture(autouse=True)
def every_case_verifies(service: CaseService) -> Iterator[None]:
    yield
    with service.sessions() as session:
        results = verify_all(session)
    assert all(r.ok for r in results), [r.as_dict() for r in results if not r.ok]


def _admin(service: CaseService):
    with service.sessions() as session:
        return service.actor(session, "admin")


def test_a_late_supplement_escalates_to_the_street(service: CaseService, clock: FixedClock) -> None:
    # Returned on Monday 2026-03-02: five working days end at 24:00 on Monday 03-09.
    case_id = drive(service, "firm_entry", path="return_once", stop_before="supplement")
    task = open_task(service, case_id, "supplement")
    due = datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI)
    assert task.due_at == due
    clock.set(due)
    assert service.run_due_timers() == 1
    assert open_task(service, case_id, "supervise_supplement") is not None
    assert len(notices(service, "street", "escalation")) == 1
    assert len(notices(service, "committee", "overdue")) == 1
    # The late supplement comes in: the street's 督办 closes with it.
    complete(service, "committee", case_id, "supplement", {"supplement_note": "已补齐"})
    assert open_task(service, case_id, "supervise_supplement") is None


def test_the_owners_vote_falls_due_after_its_period_in_days(
    service: CaseService, clock: FixedClock
) -> None:
    """60 days from 2 March end on 1 May, a holiday: the period runs to 6 May's end."""
    # The scenario approves its case the vote's notice lead before now: on 2 March.
    clock.advance(days=step_lead("firm_entry", "owners_vote"))
    case_id = drive(service, "firm_entry", stop_before="owners_vote")
    assert open_task(service, case_id, "owners_vote").due_at == at(2026, 5, 7)


def test_an_administrator_shortens_the_supplement_deadline(
    service: CaseService, clock: FixedClock
) -> None:
    set_setting(service, _admin(service), "supplement_working_days", 2)
    case_id = drive(service, "firm_entry", path="return_once", stop_before="supplement")
    assert open_task(service, case_id, "supplement").due_at == at(2026, 3, 5)


def test_a_late_quarterly_review_escalates_to_the_street(
    service: CaseService, clock: FixedClock
) -> None:
    clock.set(at(2026, 4, 1, 9))
    duties_of(service).file_scheduled_duties()
    with service.sessions() as session:
        case_id = session.scalar(
            select(Case.id).where(Case.matter_type == "quarterly_report").order_by(Case.id)
        )
    complete(service, "committee", case_id, "quarterly_submission", {"work_summary": "正常"})
    # Submitted on Wednesday 1 April: ten working days, past Qingming (4–6 April), end 16 April.
    review = open_task(service, case_id, "quarterly_review")
    assert review.due_at == at(2026, 4, 17)
    clock.set(at(2026, 4, 17))
    assert service.run_due_timers() == 5, "this review, and the four reports never submitted"
    assert open_task(service, case_id, "supervise_quarterly_review") is not None
    assert len(notices(service, "secretary", "overdue")) == 1


def test_the_settings_page_names_every_new_deadline(service: CaseService, tmp_path: Path) -> None:
    app: Flask = create_app(
        {"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service
    )
    page = Client(app, "admin").get("/admin/settings").text
    for name in (
        "补正材料期限（工作日）",
        "业主表决期限（日）",
        "事项实施步骤期限（日）",
        "实施情况报告期限（工作日）",
        "业主委员会备案期限（日）",
        "季度报告审阅期限（工作日）",
        "处置情况报告期限（工作日）",
    ):
        assert name in page, name


# ------------------------------------------------ a new deadline of the street's, missed


def _late_supplement(service: CaseService, clock: FixedClock) -> tuple[int, int]:
    """A supplement past its deadline (24:00 on 9 March): (case, its 督办 task)."""
    case_id = drive(service, "firm_entry", path="return_once", stop_before="supplement")
    clock.set(at(2026, 3, 9, 9))
    assert send_due_reminders(service.sessions, clock.now()) == 1
    clock.set(at(2026, 3, 10))
    assert service.run_due_timers() == 1
    supervision = open_task(service, case_id, "supervise_supplement")
    assert supervision is not None
    return case_id, supervision.id


def _street(service: CaseService):
    with service.sessions() as session:
        return service.actor(session, "street")


def _committee_record(service: CaseService, case_id: int):
    with service.sessions() as session:
        case = session.get(Case, case_id)
        return firm_record(session, case.applicant_org_id, service.clock.now().date())


def test_a_step_that_lets_the_street_s_new_deadline_pass_is_escalated_again(
    service: CaseService, clock: FixedClock, tmp_path: Path
) -> None:
    case_id, supervision = _late_supplement(service, clock)
    street_powers.set_deadline(service, _street(service), supervision, date(2026, 3, 13), "限期")
    worker = Worker(duties_of(service))
    clock.set(at(2026, 3, 13, 1))
    assert worker.run_once().reminders == 2, "the step and the 督办"
    [reminder] = notices(service, "committee", "reminder")
    assert "2026-03-14 00:00" in reminder.title, "the earlier reminder brought up to date"
    assert reminder.read_at is None and reminder.created_at == clock.now()
    clock.set(at(2026, 3, 13, 23, 59))
    assert worker.run_once().escalations == 0

    clock.set(at(2026, 3, 14))
    assert worker.run_once().escalations == 1
    assert worker.run_once().escalations == 0, "once per deadline"
    first, again = events(service, case_id, "escalated")
    assert (first.data["again"], again.data["again"]) == (False, True)
    assert datetime.fromisoformat(again.data["due_at"]) == at(2026, 3, 14)
    assert again.data["overdue_role"] == "applicant"
    [street] = notices(service, "street", "escalation")
    assert "重新确定的期限" in street.title and street.created_at == clock.now()
    assert "再次超期" in notices(service, "committee", "overdue")[-1].title
    record = _committee_record(service, case_id)
    assert (record.overdue_steps, record.escalations) == (1, 2)

    # A second new deadline, missed again, is escalated a third time.
    street_powers.set_deadline(service, _street(service), supervision, date(2026, 3, 20), "再限期")
    clock.set(at(2026, 3, 21))
    assert worker.run_once().escalations == 1
    assert _committee_record(service, case_id).escalations == 3

    app = create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)
    page = Client(app, "street").get(f"/cases/{case_id}").text
    assert "超期提交街道督办" in page and "街道党工委重新确定的期限" in page
    assert "escalated" not in page and "reminder_sent" not in page


def test_the_step_done_late_is_not_escalated_again(service: CaseService, clock: FixedClock) -> None:
    case_id, supervision = _late_supplement(service, clock)
    street_powers.set_deadline(service, _street(service), supervision, date(2026, 3, 13), "限期")
    complete(service, "committee", case_id, "supplement", {"supplement_note": "已补齐"})
    clock.set(at(2026, 3, 16))
    assert escalate_missed_deadlines(service.sessions, clock.now()) == 0
    assert len(events(service, case_id, "escalated")) == 1


def test_a_supervised_step_s_moved_due_date_moves_its_supervision(
    service: CaseService, clock: FixedClock
) -> None:
    """A due date the street changes in the task's arrangement is watched the same way."""
    case_id, _supervision = _late_supplement(service, clock)
    step = open_task(service, case_id, "supplement")
    update_task(service, _street(service), step.id, {"due_at": at(2026, 3, 12)})
    moved = open_task(service, case_id, "supervise_supplement")
    assert moved.due_at == at(2026, 3, 12) and moved.reminded_at is None
    assert open_task(service, case_id, "supplement").reminded_at is None
    clock.set(at(2026, 3, 12))
    assert escalate_missed_deadlines(service.sessions, clock.now()) == 1
