"""Nobody's step without a deadline: the applicant's steps and the duties' reviews fall due
per their [config] setting, remind, and escalate to the street when they run over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from duty_support import at, complete, duties_of, notices, open_task
from flask import Flask
from sqlalchemy import select
from web_support import Client

from service.admin.settings import set_setting
from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.models import Case
from service.demo.cases import drive, step_lead
from service.history.replay import verify_all
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
