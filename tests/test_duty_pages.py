"""The periodic duties in the pages and over the API, on SQLite and PostgreSQL.

The world: the 2026 Q3 quarterly reports (filed in October, left to run late, so the
street supervises them), the 2026 year-end reviews (filed on 1 December) and an incident
the owners' committee of E01 reported — next to an ordinary matter case. Every page of
every demo user and every API listing and detail must answer, never with a 500; then
each duty is worked to its end in the browser-less client.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import token_for
from duty_support import at, duties_of
from flask import Flask
from sqlalchemy import select
from web_support import Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.models import Case, HumanTask, Notification, Organization, User
from service.demo.cases import drive
from service.demo.district import USERS
from service.notices.notifications import notify

INCIDENT = {
    "incident_kind": "emergency",
    "title": "地下车库进水",
    "occurred_at": "2026-12-01T07:30:00+08:00",
    "description": "暴雨导致地下车库进水约二十厘米。",
    "measures_taken": "已封闭车库入口并抽水。",
}
DUTY_KINDS = ("quarterly_report", "year_end_review", "incident_report")


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _duty_world(service: CaseService, clock: FixedClock) -> dict[str, int]:
    """One case of each duty (the first of each kind, in E01) and a matter case."""
    matter = drive(service, "firm_entry", stop_before="acceptance_check")
    duties = duties_of(service)
    clock.set(at(2026, 10, 9, 9))
    duties.file_scheduled_duties()
    clock.set(at(2026, 12, 1, 9))
    duties.file_scheduled_duties()
    duties.run_due_timers()
    with service.sessions() as session:
        committee = service.actor(session, "committee")
    incident = duties.report_incident(committee, {"request": INCIDENT})
    with service.sessions() as session:
        first = {
            kind: session.scalar(
                select(Case.id).where(Case.matter_type == kind).order_by(Case.id).limit(1)
            )
            for kind in DUTY_KINDS
        }
    assert first["incident_report"] == incident
    return {**first, "firm_entry": matter}


def _task(service: CaseService, case_id: int, bpmn_id: str) -> int:
    with service.sessions() as session:
        task = session.scalar(
            select(HumanTask.id).where(
                HumanTask.case_id == case_id,
                HumanTask.bpmn_id == bpmn_id,
                HumanTask.status == "open",
            )
        )
    assert task is not None, f"{bpmn_id} is not open in case {case_id}"
    return task


def test_every_page_and_listing_answers_with_the_duties_present(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    world = _duty_world(service, clock)
    with service.sessions() as session:
        all_cases = list(session.scalars(select(Case.id)))
        all_tasks = list(session.scalars(select(HumanTask.id)))
    for demo in USERS:
        user = Client(app, demo.username)
        for page in ("/", "/inbox", "/inbox?status=completed", "/cases", "/credit", "/ledger"):
            answer = user.client.get(page)
            assert answer.status_code in (200, 403), (demo.username, page, answer.status_code)
        for kind in DUTY_KINDS:
            assert user.client.get(f"/cases?matter={kind}").status_code == 200
            assert user.client.get(f"/inbox?matter={kind}").status_code == 200
        for case_id in all_cases:
            for page in (f"/cases/{case_id}", f"/cases/{case_id}/reply"):
                answer = user.client.get(page)
                assert answer.status_code in (200, 404), (demo.username, page, answer.status_code)
            if demo.role in ("auditor", "admin"):
                for page in (
                    f"/audit/cases/{case_id}",
                    f"/audit/cases/{case_id}/replay?seq=2",
                    f"/audit/cases/{case_id}/history.csv",
                    f"/audit/cases/{case_id}/history/print",
                ):
                    answer = user.client.get(page)
                    assert answer.status_code in (200, 404), (demo.username, page)
        for task_id in all_tasks:
            answer = user.client.get(f"/tasks/{task_id}")
            assert answer.status_code in (200, 404), (demo.username, task_id, answer.status_code)

        api = ApiClient(app.test_client(), token_for(service, demo.username))
        cases = api.get("/cases", query_string={"limit": 100})
        assert cases.status_code == 200
        for row in cases.get_json()["items"]:
            for path in ("", "/events", "/verification", "/comments"):
                assert api.get(f"/cases/{row['id']}{path}").status_code == 200, (row, path)
            replay = api.get(f"/cases/{row['id']}/replay", query_string={"upto": 1})
            assert replay.status_code == 200
        tasks = api.get("/tasks", query_string={"limit": 100})
        assert tasks.status_code == 200
        for row in tasks.get_json()["items"]:
            detail = api.get(f"/tasks/{row['id']}")
            assert detail.status_code == 200
            assert detail.get_json()["form"], row
        assert api.get("/notifications").status_code == 200

    secretary = Client(app, "secretary")
    page = secretary.get("/").text
    for kind_name in ("季度报告", "年度述职评议", "重大问题和突发事件报告"):
        assert kind_name in secretary.get("/cases").text
    assert "知悉确认并提出处置意见" in secretary.get("/inbox").text
    case_page = secretary.get(f"/cases/{world['quarterly_report']}").text
    assert "报告期间" in case_page and "2026年第三季度" in case_page
    assert "街道督办：季度报告超期" in Client(app, "street").get("/inbox").text
    assert page


def _tick(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" value="(\d+)"', page)


def test_quarterly_report_is_submitted_and_acknowledged_in_the_pages(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    world = _duty_world(service, clock)
    case_id = world["quarterly_report"]
    committee = Client(app, "committee")
    task = _task(service, case_id, "quarterly_submission")
    assert "提交季度报告" in committee.get("/inbox").text
    committee.get(f"/tasks/{task}")
    committee.post(f"/tasks/{task}", {"work_summary": "召开业主委员会会议三次。"})
    secretary = Client(app, "secretary")
    task = _task(service, case_id, "quarterly_review")
    page = secretary.get(f"/tasks/{task}").text
    assert "召开业主委员会会议三次。" in page
    secretary.post(f"/tasks/{task}", {"report_review_result": "more"}, status=422)
    secretary.post(
        f"/tasks/{task}", {"report_review_result": "more", "review_opinion": "请补充收支情况。"}
    )
    task = _task(service, case_id, "quarterly_supplement")
    assert "请补充收支情况。" in committee.get(f"/tasks/{task}").text
    committee.post(f"/tasks/{task}", {"supplement": "本季度收入二万元。"})
    task = _task(service, case_id, "quarterly_review")
    secretary.post(f"/tasks/{task}", {"report_review_result": "acknowledged"})
    page = secretary.get(f"/cases/{case_id}").text
    assert "本季度收入二万元。" in page and "已阅知" in page


def test_year_end_review_runs_to_its_rectification_in_the_pages(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    world = _duty_world(service, clock)
    case_id = world["year_end_review"]
    committee = Client(app, "committee")
    committee.post(
        f"/tasks/{_task(service, case_id, 'annual_report')}", {"work_summary": "全年履职情况。"}
    )
    secretary = Client(app, "secretary")
    task = _task(service, case_id, "annual_evaluation")
    secretary.post(
        f"/tasks/{task}",
        {
            "evaluation": "basically_satisfied",
            "score": "80",
            "evaluation_opinion": "基本履职。",
            "rectification_items.0.item": "补齐会议记录",
            "rectification_items.0.due_on": "2026-12-20",
            "rectification_items.1.item": "公示收支",
            "rectification_items.1.due_on": "2027-01-15",
        },
    )
    task = _task(service, case_id, "rectification_progress")
    page = committee.get(f"/tasks/{task}").text
    assert _tick(page, "completed_items") == ["1", "2"] and "补齐会议记录" in page
    committee.post(
        f"/tasks/{task}",
        {
            "completed_items": ["1"],
            "progress_note": "会议记录已补齐。",
            "evidence.upload": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "记录.pdf"),
        },
    )
    task = _task(service, case_id, "rectification_check")
    page = secretary.get(f"/tasks/{task}").text
    confirmed = _tick(page, "confirmed_items")[:1]
    secretary.post(f"/tasks/{task}", {"confirmed_items": confirmed, "check_opinion": "属实"})

    ledger = secretary.get("/ledger.csv")
    assert ledger.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(ledger.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[5:9] for row in table[1:]] == [
        ["1", "补齐会议记录", "2026-12-20", "已完成"],
        ["2", "公示收支", "2027-01-15", "未完成"],
    ]
    assert "补齐会议记录" in secretary.get("/ledger").text
    assert "补齐会议记录" in Client(app, "street").get("/ledger.csv").text
    assert "补齐会议记录" not in Client(app, "secretary3").get("/ledger.csv").text
    assert "补齐会议记录" in Client(app, "committee").get("/ledger.csv").text, "its own review"
    assert "补齐会议记录" not in Client(app, "firm2").get("/ledger.csv").text

    api = ApiClient(app.test_client(), token_for(service, "auditor"))
    rows = api.get("/rectification-ledger", query_string={"year": "2026"}).get_json()
    assert [(r["item_no"], r["status"]) for r in rows] == [(1, "done"), (2, "open")]
    answer = api.get("/rectification-ledger.csv")
    assert answer.status_code == 200 and "公示收支" in answer.get_data(as_text=True)


def test_an_incident_is_reported_and_acknowledged_in_the_pages_and_over_the_api(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    clock.set(at(2026, 12, 1, 9))
    firm = Client(app, "firm")
    assert "报告重大问题或突发事件" in firm.get("/").text
    form = firm.get("/incidents/new").text
    assert "事件标题" in form and "发生时间" in form
    firm.post("/incidents/new", {"incident_kind": "emergency", "title": "电梯困人"}, status=422)
    answer = firm.post(
        "/incidents/new",
        {
            "incident_kind": "emergency",
            "title": "电梯困人",
            "occurred_at": "2026-12-01T08:10",
            "description": "三号楼电梯故障困人。",
            "measures_taken": "已通知维保单位救援。",
        },
    )
    case_id = int(answer.location.rsplit("/", 1)[1])
    Client(app, "secretary").get("/incidents/new", status=403)

    secretary = Client(app, "secretary")
    task = _task(service, case_id, "incident_acknowledgement")
    assert "三号楼电梯故障困人。" in secretary.get(f"/tasks/{task}").text
    secretary.post(
        f"/tasks/{task}",
        {"handling_opinion": "请做好安抚并报告处置结果。", "follow_up_required": "true"},
    )
    task = _task(service, case_id, "incident_follow_up")
    firm.post(
        f"/tasks/{task}",
        {"outcome": "已解救，电梯已修复。", "resolved_on": "2026-12-01"},
    )
    assert "已办结" in secretary.get(f"/cases/{case_id}").text

    api = ApiClient(app.test_client(), token_for(service, "committee"))
    answer = api.post("/incidents", json={"request": INCIDENT})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["matter_name"] == "重大问题和突发事件报告"
    bad = api.post("/incidents", json={"request": {"title": "缺少内容"}})
    assert bad.status_code == 422 and "occurred_at" in bad.get_json()["errors"]
    refused = ApiClient(app.test_client(), token_for(service, "secretary"))
    assert refused.post("/incidents", json={"request": INCIDENT}).status_code == 403


def _firm(service: CaseService, name_part: str) -> int:
    with service.sessions() as session:
        return session.scalar(select(Organization.id).where(Organization.name.contains(name_part)))


def test_the_red_black_list_is_read_in_scope_and_changed_by_the_admin(
    app: Flask, service: CaseService
) -> None:
    anju = _firm(service, "安居物业")
    admin = Client(app, "admin")
    page = admin.get("/credit").text
    assert "安居物业" in page and "宜居物业" in page
    admin.post(f"/credit/{anju}", {"standing": "black", "reason": ""}, status=422)
    admin.post(f"/credit/{anju}", {"standing": "black", "reason": "多次拒不整改"})
    page = admin.get(f"/credit/{anju}").text
    assert "黑榜" in page and "多次拒不整改" in page
    assert "黑榜" in Client(app, "auditor").get("/credit").text
    street = Client(app, "street")
    assert "安居物业" in street.get("/credit").text
    street.post(f"/credit/{anju}", {"standing": "red", "reason": "表现好"}, status=403)
    Client(app, "street2").get(f"/credit/{anju}", status=404)
    Client(app, "secretary").get("/credit", status=403)

    api = ApiClient(app.test_client(), token_for(service, "admin"))
    answer = api.call(
        "PUT", f"/firms/{anju}/standing", json={"standing": "red", "reason": "整改到位"}
    )
    assert answer.status_code == 200 and answer.get_json()["standing"] == "red"
    listed = ApiClient(app.test_client(), token_for(service, "auditor_s1")).get("/firms")
    assert listed.get_json()[0]["standing"] == "red"
    record = ApiClient(app.test_client(), token_for(service, "street")).get(f"/firms/{anju}")
    assert [c["reason"] for c in record.get_json()["standing_changes"]] == [
        "多次拒不整改",
        "整改到位",
    ]


def test_notifications_are_listed_and_marked_read_over_the_api(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    with service.transaction() as session:
        secretary = session.scalar(select(User).where(User.username == "secretary"))
        notify(
            session,
            [secretary],
            kind="reminder",
            case=session.get(Case, case_id),
            task=None,
            title="受理审查即将到期",
            body="请在期限内办理。",
            now=service.clock.now(),
        )
    api = ApiClient(app.test_client(), token_for(service, "secretary"))
    listed = api.get("/notifications", query_string={"unread": "true"}).get_json()
    assert listed["unread"] >= 1
    notice = next(n for n in listed["items"] if n["title"] == "受理审查即将到期")
    other = ApiClient(app.test_client(), token_for(service, "member"))
    assert other.post(f"/notifications/{notice['id']}/read").status_code == 404
    read = api.post(f"/notifications/{notice['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert api.post("/notifications/read").get_json()["marked"] == listed["unread"] - 1
    assert api.get("/notifications", query_string={"unread": "true"}).get_json() == {
        "items": [],
        "unread": 0,
    }
    with service.sessions() as session:
        assert session.scalar(select(Notification.read_at).where(Notification.id == notice["id"]))
