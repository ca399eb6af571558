"""The red/black list, a firm's credit record and the rectification ledger.

A firm-entry case takes the chosen firm's standing from the district's register when the
firm is registered there, whatever the form claims, and blocks or warns on a black-listed
firm according to the ``blacklist_policy`` setting.
"""

from __future__ import annotations

import csv
from typing import Any

import pytest
from duty_support import (
    CREDIT_CODE,
    EVIDENCE,
    approve,
    at,
    complete,
    duties_of,
    events,
    file_firm_entry,
)
from sqlalchemy import select

from service.cases.case_service import CaseService
from service.cli.main import main
from service.core.errors import Forbidden, InvalidInput
from service.core.models import Case, CreditStandingChange, Organization, SettingOverride
from service.duties.firm_credit import firm_record, registered_standing, set_standing
from service.duties.rectification_ledger import ledger_rows
from service.worker import Worker

FIRM = "宜居物业服务有限公司（阳光花园项目）"
OTHER_PROJECT = "安居物业服务有限公司（幸福家园项目）"


def _selection(standing: str = "red", code: str = CREDIT_CODE) -> dict[str, Any]:
    return {
        "firm_name": "宜居物业服务有限公司",
        "firm_credit_code": code,
        "firm_standing": standing,
        "selected_on": "2026-03-02",
        "selection_record": "公开招标，三家企业投标",
    }


def _register(service: CaseService, standing: str, name: str) -> int:
    """Register the firm's credit code and put the firm on a list; returns its id."""
    with service.transaction() as session:
        firm = session.scalar(select(Organization).where(Organization.name == name))
        firm.credit_code = CREDIT_CODE
        admin = service.actor(session, "admin")
        set_standing(session, admin, firm.id, standing, "多次违约，业主投诉", at(2026, 3, 1))
        return firm.id


def _at_firm_selection(service: CaseService) -> int:
    case_id = file_firm_entry(service)
    approve(service, case_id)
    return case_id


def test_a_black_listed_firm_is_blocked_whatever_the_form_says(service: CaseService) -> None:
    _register(service, "black", FIRM)
    case_id = _at_firm_selection(service)
    with pytest.raises(InvalidInput) as error:
        complete(service, "committee", case_id, "firm_selection", _selection("red"))
    assert "黑榜" in error.value.messages["firm_standing"][0]


def test_a_black_listed_firm_is_only_warned_about_under_the_warn_policy(
    service: CaseService,
) -> None:
    _register(service, "black", FIRM)
    with service.transaction() as session:
        session.add(SettingOverride(key="blacklist_policy", value="warn"))
    case_id = _at_firm_selection(service)
    complete(service, "committee", case_id, "firm_selection", _selection("none"))
    [event] = [e for e in events(service, case_id) if e.task_bpmn_id == "firm_selection"]
    assert event.data["data"]["firm_standing"] == "black"
    assert [w["field"] for w in event.data["data"]["warnings"]] == ["firm_standing"]


def test_the_register_s_red_standing_replaces_the_form_s(service: CaseService) -> None:
    _register(service, "red", FIRM)
    case_id = _at_firm_selection(service)
    complete(service, "committee", case_id, "firm_selection", _selection("none"))
    [event] = [e for e in events(service, case_id) if e.task_bpmn_id == "firm_selection"]
    assert event.data["data"]["firm_standing"] == "red"


def test_an_unregistered_firm_is_taken_at_the_form_s_word(service: CaseService) -> None:
    other_code = "91310000MA1FL0QX2Y"
    case_id = _at_firm_selection(service)
    with pytest.raises(InvalidInput):
        complete(service, "committee", case_id, "firm_selection", _selection("black", other_code))
    complete(service, "committee", case_id, "firm_selection", _selection("none", other_code))


def test_only_an_administrator_changes_the_list_and_must_say_why(service: CaseService) -> None:
    with service.transaction() as session:
        firm = session.scalar(select(Organization).where(Organization.name == FIRM))
        street = service.actor(session, "street")
        with pytest.raises(Forbidden):
            set_standing(session, street, firm.id, "black", "理由", at(2026, 3, 1))
        admin = service.actor(session, "admin")
        with pytest.raises(InvalidInput) as error:
            set_standing(session, admin, firm.id, "grey", " ", at(2026, 3, 1))
        assert set(error.value.messages) == {"standing", "reason"}


def test_a_change_of_standing_is_recorded(service: CaseService) -> None:
    firm_id = _register(service, "black", FIRM)
    with service.transaction() as session:
        assert registered_standing(session, CREDIT_CODE) == "black"
        assert len(session.scalars(select(CreditStandingChange)).all()) == 1
        admin = service.actor(session, "admin")
        assert set_standing(session, admin, firm_id, "none", "整改到位，移出黑榜", at(2026, 6, 1))
        assert not set_standing(session, admin, firm_id, "none", "再次确认", at(2026, 6, 2))
    with service.sessions() as session:
        record = firm_record(session, firm_id, at(2026, 6, 1).date())
    assert record.standing == "none"
    assert [(c.previous, c.standing) for c in record.standing_changes] == [
        ("none", "black"),
        ("black", "none"),
    ]
    assert record.standing_changes[0].changed_by == "系统管理员"


def test_the_firm_record_counts_reviews_overdue_steps_escalations_and_late_reports(
    service: CaseService, clock
) -> None:
    duties = duties_of(service)
    with service.sessions() as session:
        firm = session.scalar(select(Organization).where(Organization.name == OTHER_PROJECT))

    # Its quarterly report runs late: its own step overdue, escalated.
    clock.set(at(2026, 4, 1, 9))
    duties.file_scheduled_duties()
    clock.set(at(2026, 4, 16))
    Worker(duties).run_once()

    # A late incident report.
    with service.sessions() as session:
        actor = service.actor(session, "firm")
    duties.report_incident(
        actor,
        {
            "request": {
                "incident_kind": "major_problem",
                "title": "消防通道被占用",
                "occurred_at": "2026-04-14T08:00:00+08:00",
                "description": "消防通道长期被车辆占用",
                "measures_taken": "已张贴通知",
            }
        },
    )

    # The year-end review: basically satisfied, one item still open after its deadline.
    clock.set(at(2026, 12, 1, 9))
    duties.file_scheduled_duties()
    with service.sessions() as session:
        review = session.scalar(
            select(Case.id).where(
                Case.matter_type == "year_end_review", Case.applicant_org_id == firm.id
            )
        )
    complete(service, "firm", review, "annual_report", {"work_summary": "全年服务情况"})
    complete(
        service,
        "secretary",
        review,
        "annual_evaluation",
        {
            "evaluation": "basically_satisfied",
            "score": 78,
            "evaluation_opinion": "服务基本到位",
            "rectification_items": [
                {"item": "清理消防通道", "due_on": "2026-12-15"},
                {"item": "公示收支情况", "due_on": "2027-01-31"},
            ],
        },
    )
    complete(
        service,
        "firm",
        review,
        "rectification_progress",
        {"completed_items": [2], "progress_note": "已公示", "evidence": EVIDENCE},
    )
    complete(
        service,
        "secretary",
        review,
        "rectification_check",
        {"confirmed_items": [2], "check_opinion": "收支已公示"},
    )

    with service.sessions() as session:
        record = firm_record(session, firm.id, at(2026, 12, 20).date())
    assert [(e.year, e.evaluation, e.score) for e in record.evaluations] == [
        ("2026", "basically_satisfied", 78)
    ]
    assert (record.overdue_steps, record.escalations) == (1, 1)
    assert record.late_incident_reports == 1
    assert (record.open_rectification_items, record.overdue_rectification_items) == (1, 1)


def test_rectification_ledger_exports_as_csv(
    service: CaseService, clock, database_url: str, tmp_path
) -> None:
    clock.set(at(2026, 12, 1, 9))
    duties_of(service).file_scheduled_duties()
    with service.sessions() as session:
        review = session.scalar(
            select(Case.id).where(Case.matter_type == "year_end_review").order_by(Case.id)
        )
    complete(service, "committee", review, "annual_report", {"work_summary": "全年履职情况"})
    complete(
        service,
        "secretary",
        review,
        "annual_evaluation",
        {
            "evaluation": "unsatisfied",
            "evaluation_opinion": "会议记录不全",
            "rectification_items": [
                {"item": "补齐会议记录", "due_on": "2026-12-20"},
                {"item": "建立档案制度", "due_on": "2027-01-15"},
            ],
        },
    )
    with service.sessions() as session:
        rows = ledger_rows(session, at(2026, 12, 21).date(), year="2026")
        assert ledger_rows(session, at(2026, 12, 21).date(), year="2025") == []
    assert [(r.item_no, r.status, r.overdue) for r in rows] == [
        (1, "open", True),
        (2, "open", False),
    ]

    output = tmp_path / "ledger.csv"
    main(
        [
            "--database",
            database_url,
            "--now",
            "2026-12-21T09:00:00+08:00",
            "rectification-ledger",
            "--year",
            "2026",
            "--output",
            str(output),
        ]
    )
    with output.open(encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    assert table[0][:3] == ["年度", "社区", "小区"]
    assert [row[5:9] + row[11:12] for row in table[1:]] == [
        ["1", "补齐会议记录", "2026-12-20", "未完成", "是"],
        ["2", "建立档案制度", "2027-01-15", "未完成", "否"],
    ]
    assert table[1][1:5] == ["幸福社区", "幸福家园小区", "幸福家园小区业主委员会", "不满意"]


def test_the_party_organization_s_delay_on_a_firm_s_case_is_not_the_firm_s(
    service: CaseService, clock
) -> None:
    """Only escalations of the firm's own steps go on its record (issue 18)."""
    duties = duties_of(service)
    with service.sessions() as session:
        firm = session.scalar(select(Organization).where(Organization.name == OTHER_PROJECT))
        actor = service.actor(session, "firm")
    case_id = duties.report_incident(
        actor,
        {
            "request": {
                "incident_kind": "emergency",
                "title": "地下车库进水",
                "occurred_at": "2026-03-02T08:00:00+08:00",
                "description": "暴雨导致地下车库进水",
                "measures_taken": "已设置挡水板并抽水",
            }
        },
    )
    # The party organization does not acknowledge within its hours: the street is called.
    clock.set(at(2026, 3, 4, 9))
    Worker(duties).run_once()
    [escalation] = events(service, case_id, "escalated")
    assert escalation.data["overdue_role"] == "party_secretary"
    with service.sessions() as session:
        record = firm_record(session, firm.id, at(2026, 3, 4).date())
    assert (record.overdue_steps, record.escalations) == (0, 0)
