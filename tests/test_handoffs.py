"""Handoff notifications: every step that hands work on tells whoever must act next, with
the case title, a reason or 文号 where there is one, and a link to where they act."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from api_support import Client as ApiClient
from api_support import token_for
from duty_support import approve, at, complete, duties_of, file_firm_entry, notices, open_task
from flask import Flask
from sqlalchemy import select, update
from web_support import Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.models import Case, User
from service.demo.cases import applicant_for, drive
from service.notices.mail import MailSettings, deliver_pending
from service.notices.notifications import notice_link
from service.tasks import claiming, comments

TITLE = "选聘新的物业服务企业"


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _return_and_resubmit(service: CaseService, case_id: int) -> None:
    complete(
        service,
        "secretary",
        case_id,
        "acceptance_check",
        {"acceptance_decision": "return", "acceptance_reasons": "缺少表决结果公示"},
    )


def test_a_filed_request_tells_the_secretary(service: CaseService) -> None:
    case_id = file_firm_entry(service)
    [notice] = notices(service, "secretary", "new_task")
    task = open_task(service, case_id, "acceptance_check")
    assert notice.task_id == task.id and notice.case_id == case_id
    assert notice.title == f"新任务：受理审查（{TITLE}）"
    assert "/cases/" not in notice.body and "/tasks/" not in notice.body
    assert notice_link(notice.kind, notice.case_id, notice.task_id) == f"/tasks/{task.id}"
    assert notices(service, "committee") == [], "the filer needs no word of its own filing"


def test_a_return_reaches_the_committee_and_the_resubmission_the_secretary(
    service: CaseService,
) -> None:
    case_id = file_firm_entry(service)
    _return_and_resubmit(service, case_id)
    supplement = open_task(service, case_id, "supplement")
    [returned] = notices(service, "committee", "returned")
    assert returned.task_id == supplement.id
    assert returned.title == f"退回补正：补正材料（{TITLE}）"
    assert "缺少表决结果公示" in returned.body
    complete(service, "committee", case_id, "supplement", {"supplement_note": "已补充公示照片"})
    [again] = notices(service, "secretary", "resubmitted")
    assert again.task_id == open_task(service, case_id, "acceptance_check").id
    assert "已补充公示照片" in again.body


def test_the_written_reply_reaches_the_applicant_with_its_number(service: CaseService) -> None:
    case_id = file_firm_entry(service)
    approve(service, case_id)
    [reply] = notices(service, "committee", "reply_issued")
    assert reply.case_id == case_id and reply.task_id is None
    assert reply.title == f"书面批复：{TITLE}"
    assert "批复文号：" in reply.body and "批〔2026〕1号" in reply.body
    assert notice_link(reply.kind, reply.case_id, reply.task_id) == f"/cases/{case_id}"
    assert notices(service, "secretary", "reply_issued") == []


def test_a_reply_that_disagrees_is_a_rejection_with_its_number(service: CaseService) -> None:
    case_id = file_firm_entry(service)
    approve(service, case_id, decision="disagree")
    with service.sessions() as session:
        assert session.get(Case, case_id).status == "rejected"
    [rejected] = notices(service, "committee", "rejected")
    assert rejected.title == f"不予同意：{TITLE}" and "批〔2026〕1号" in rejected.body
    assert notices(service, "committee", "reply_issued") == []


def test_an_accepted_request_is_a_new_task_for_the_party_committee(service: CaseService) -> None:
    case_id = file_firm_entry(service)
    complete(service, "secretary", case_id, "acceptance_check", {"acceptance_decision": "accept"})
    study = open_task(service, case_id, "collective_study")
    assert [n.kind for n in notices(service, "secretary")] == ["new_task", "new_task"]
    [member] = notices(service, "member")
    assert (member.kind, member.task_id) == ("new_task", study.id)
    assert notices(service, "committee") == []


def test_an_assignment_and_a_comment_reach_their_people(service: CaseService) -> None:
    case_id = file_firm_entry(service)
    complete(service, "secretary", case_id, "acceptance_check", {"acceptance_decision": "accept"})
    study = open_task(service, case_id, "collective_study")
    with service.sessions() as session:
        secretary = service.actor(session, "secretary")
    claiming.assign(service, secretary, study.id, "member")
    [assigned] = notices(service, "member", "assigned")
    assert assigned.task_id == study.id and "集体研究" in assigned.title
    claiming.assign(service, secretary, study.id, "secretary")
    assert notices(service, "secretary", "assigned") == [], "nobody is told of their own act"

    comments.add_comment(service, secretary, case_id, "请补充业主大会决议原件。")
    [remark] = notices(service, "committee", "comment")
    assert remark.title == f"新意见：{TITLE}" and "业主大会决议原件" in remark.body
    assert notices(service, "secretary", "comment") == []


def test_reading_a_notification_opens_the_task_while_it_is_open(
    app: Flask, service: CaseService
) -> None:
    case_id = file_firm_entry(service)
    _return_and_resubmit(service, case_id)
    [returned] = notices(service, "committee", "returned")
    committee = Client(app, "committee")
    listing = committee.get("/notifications").text
    assert "退回补正" in listing and "缺少表决结果公示" in listing
    answer = committee.post(f"/notifications/{returned.id}/read", {})
    assert answer.location == f"/tasks/{returned.task_id}"
    assert f'href="/tasks/{returned.task_id}"' in committee.get("/notifications").text


def test_a_quarterly_report_returned_then_closed_tells_the_committee(
    service: CaseService, clock
) -> None:
    clock.set(at(2026, 4, 1, 9))
    duties_of(service).file_scheduled_duties()
    with service.sessions() as session:
        case_id = session.scalar(
            select(Case.id).where(Case.matter_type == "quarterly_report").order_by(Case.id)
        )
    complete(service, "committee", case_id, "quarterly_submission", {"work_summary": "正常"})
    review = {"report_review_result": "more", "review_opinion": "请补充维修资金收支"}
    complete(service, "secretary", case_id, "quarterly_review", review)
    [returned] = notices(service, "committee", "returned")
    assert returned.task_id == open_task(service, case_id, "quarterly_supplement").id
    assert "请补充维修资金收支" in returned.body
    complete(service, "committee", case_id, "quarterly_supplement", {"supplement": "已补充"})
    assert len(notices(service, "secretary", "resubmitted")) == 1
    assert notices(service, "committee", "closed") == []
    complete(
        service, "secretary", case_id, "quarterly_review", {"report_review_result": "acknowledged"}
    )
    [closed] = notices(service, "committee", "closed")
    assert closed.case_id == case_id and closed.title.startswith("办结：")


def test_a_case_returned_and_rectified_tells_each_side_in_turn(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", path="return_once")
    applicant, _estate = applicant_for("firm_entry", None)
    kinds = [n.kind for n in notices(service, applicant)]
    assert kinds == [
        "returned",
        "new_task",  # the firm's selection, the applicant's own step
        "reply_issued",
        "new_task",  # the owners' vote
        "new_task",  # the contract
        "new_task",  # the implementation report
        "rectification",
        "closed",
    ]
    [rectify] = notices(service, applicant, "rectification")
    assert rectify.title.startswith("需要整改：整改（") and "说明：公示材料不完整。" in rectify.body
    assert "办理期限：2026-03-12 24:00" in rectify.body, "a day's deadline ends at its 24:00"
    assert [n.kind for n in notices(service, "secretary", "resubmitted")] == ["resubmitted"] * 2
    assert all(n.case_id == case_id for n in notices(service, applicant))


def test_the_api_gives_each_notification_its_link(app: Flask, service: CaseService) -> None:
    case_id = file_firm_entry(service)
    _return_and_resubmit(service, case_id)
    supplement = open_task(service, case_id, "supplement")
    api = ApiClient(app.test_client(), token_for(service, "committee"))
    [item] = api.get("/notifications").get_json()["items"]
    assert (item["kind"], item["link"]) == ("returned", f"/tasks/{supplement.id}")
    complete(service, "committee", case_id, "supplement", {"supplement_note": "已补充公示照片"})
    read = api.post(f"/notifications/{item['id']}/read").get_json()
    assert read["link"] == f"/cases/{case_id}", "a task done since leads to its case"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def test_a_handoff_is_mailed_with_the_link_to_the_task(service: CaseService) -> None:
    with service.transaction() as session:
        session.execute(
            update(User).where(User.username == "committee").values(email="yw@example.org")
        )
    case_id = file_firm_entry(service)
    _return_and_resubmit(service, case_id)
    supplement = open_task(service, case_id, "supplement")
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = MailSettings(host="127.0.0.1", port=port, base_url="https://pa")
        assert deliver_pending(service.sessions, mail, service.clock.now()) == 1
    finally:
        controller.stop()
    [content] = inbox.messages
    message = message_from_bytes(content)
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"退回补正：补正材料（{TITLE}）"
    body = message.get_payload(decode=True).decode("utf-8")
    assert f"https://pa/tasks/{supplement.id}" in body and "缺少表决结果公示" in body
