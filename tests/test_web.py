"""The pages through Flask's test client, on SQLite and PostgreSQL.

CSRF protection stays on: each signed-in client reads its token from a page, as a
browser does, and a POST without it is refused. The clock is the fixed test clock,
Monday 2026-03-02 09:00 in Beijing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from flask import Flask
from sqlalchemy import delete, event, func, select, update
from web_support import PASSWORD, TOKEN, Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.models import Case, CaseEvent, FilingDraft, HumanTask, Notification, User
from service.demo.cases import (
    applicant_for,
    complete_step,
    drive,
    filing_payload,
    open_task,
    step_lead,
    step_payload,
    worker_for,
)
from service.notices.notifications import notify
from service.tasks import claiming, saved_filters
from workflows import catalogue
from workflows.work_calendar import SHANGHAI


def _pdf_bytes(name: str) -> bytes:
    """A small PDF whose content (and so its SHA-256) differs per file name."""
    return f"%PDF-1.4\n% {name}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _pdf(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(_pdf_bytes(name)), name


def _task_id(user: Client, step: str) -> int:
    """The id of the task called ``step`` in the user's inbox."""
    page = user.get("/inbox").text
    found = re.search(rf'href="/tasks/(\d+)">{re.escape(step)}</a>', page)
    assert found, f"{step} not in the inbox"
    return int(found.group(1))


def _members(page: str) -> list[str]:
    """User ids of the party members a collective-study page offers to tick."""
    return re.findall(r'name="present_member" value="(\d+)"', page)


def _cases(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


FILING = {
    "sub_type": "spending",
    "title": "关于使用经营收益更换健身器材的请示",
    "reasons": "健身器材老化。",
    "legal_basis": "民法典第二百七十八条。",
    "plan": "公开比价采购。",
    "affected_area": "24000.00",
    "affected_owners": "300",
    "budget": "20000.00",
    "income_balance": "56000.00",
    "committee_members_total": "7",
    "committee_members_present": "6",
    "committee_members_agreeing": "5",
}
# Noticed on the day of the reply (2026-03-02), held 16 days later.
VOTE = {
    "vote_notice_date": "2026-03-02",
    "vote_meeting_date": "2026-03-18",
    "base_area": "24000.00",
    "base_owners": "300",
    "participating_area": "18000.00",
    "participating_owners": "240",
    "approving_area": "15000.00",
    "approving_owners": "200",
}


# ---------------------------------------------------------------- signing in, sessions, CSRF


def test_pages_need_signing_in_and_a_wrong_password_is_refused(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/inbox")
    assert answer.status_code == 302
    assert answer.location.startswith("/signin?next=/inbox")
    token = TOKEN.search(client.get("/signin").text).group(1)
    refused = client.post(
        "/signin", data={"username": "committee", "password": "wrong", "csrf_token": token}
    )
    assert refused.status_code == 401
    assert "用户名或密码不正确" in refused.text
    signed_in = client.post(
        "/signin",
        data={
            "username": "committee",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/inbox",
        },
    )
    assert signed_in.status_code == 302 and signed_in.location == "/inbox"


def test_sign_in_goes_back_only_to_a_page_of_this_site(app: Flask) -> None:
    client = app.test_client()
    token = TOKEN.search(client.get("/signin").text).group(1)
    answer = client.post(
        "/signin",
        data={
            "username": "committee",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert answer.location == "/"


def test_a_post_without_the_csrf_token_is_refused(app: Flask, service: CaseService) -> None:
    committee = Client(app, "committee")
    answer = committee.client.post("/filing/common_income", data=dict(FILING, org="1"))
    assert answer.status_code == 400
    assert "表单已过期或来源无法确认" in answer.text
    forged = committee.client.post(
        "/filing/common_income", data=dict(FILING, org="1", csrf_token="forged")
    )
    assert forged.status_code == 400
    assert _cases(service) == 0
    signin = app.test_client().post("/signin", data={"username": "committee", "password": PASSWORD})
    assert signin.status_code == 400


def test_sessions_expire(app: Flask) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    committee = Client(app, "committee")
    cookie = committee.client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    serializer = app.session_interface.get_signing_serializer(app)
    with mock.patch("time.time", return_value=time.time() - 31 * 60):
        stale = serializer.dumps({"user": "committee", "_permanent": True})
    client = app.test_client()
    client.set_cookie("session", stale)
    answer = client.get("/")
    assert answer.status_code == 302 and answer.location.startswith("/signin")


def test_signing_out_ends_the_session(app: Flask) -> None:
    committee = Client(app, "committee")
    committee.post("/signout", {})
    assert committee.client.get("/").status_code == 302


# ---------------------------------------------------------------- filing


def test_every_matter_form_shows_its_legal_basis_and_vote_rule(app: Flask) -> None:
    applicants = {"committee": "1", "firm": "2", "prep": "3"}
    seen = set()
    for username, org in applicants.items():
        user = Client(app, username)
        choose = user.get("/filing").text
        for code, matter in catalogue.MATTERS.items():
            if f"/filing/{code}?org={org}" not in choose:
                continue
            page = user.get(f"/filing/{code}?org={org}").text
            assert matter.legal_basis in page
            assert "业主表决规则" in page
            assert 'name="applicant_kind"' not in page
            seen.add(code)
    assert seen == set(catalogue.MATTERS)
    page = Client(app, "committee").get("/filing/common_income").text
    assert "第（九）项" in page and "第（八）项" in page and "四分之三以上" in page


def test_a_refused_filing_shows_the_messages_and_keeps_what_was_typed(
    app: Flask, service: CaseService
) -> None:
    committee = Client(app, "committee")
    bad = dict(FILING, org="1", title="", affected_area="12.345", committee_members_present="3")
    page = committee.post("/filing/common_income", bad, status=422).text
    assert 'id="error-summary"' in page
    assert '<div class="error-message" id="f-title-error"><p>请填写“请示标题”。</p></div>' in page
    assert "最多两位小数" in page
    assert 'value="12.345"' in page
    assert _cases(service) == 0
    page = committee.post(
        "/filing/common_income", dict(FILING, org="1", committee_members_present="3"), status=422
    ).text
    assert "未超过委员总数 7 人的半数" in page


def test_a_draft_is_kept_for_its_author_and_removed_on_filing(
    app: Flask, service: CaseService
) -> None:
    committee = Client(app, "committee")
    committee.post("/filing/common_income", {"org": "1", "title": "草拟中", "action": "save_draft"})
    assert "草拟中" in committee.get("/filing/common_income?org=1").text
    assert "我的草稿" in committee.get("/").text
    assert "草拟中" not in Client(app, "firm").get("/filing/fee_adjustment").text
    answer = committee.post(
        "/filing/common_income",
        dict(FILING, org="1", **{"attachments.upload": _pdf("方案.pdf")}),
    )
    assert re.fullmatch(r"/cases/\d+", answer.location)
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(FilingDraft)) == 0


def test_an_upload_of_the_wrong_kind_is_refused_next_to_its_field(
    app: Flask, service: CaseService
) -> None:
    committee = Client(app, "committee")
    data = dict(FILING, org="1", **{"attachments.upload": (io.BytesIO(b"MZ..."), "x.pdf")})
    page = committee.post("/filing/common_income", data, status=422).text
    assert "文件内容与扩展名" in page
    assert _cases(service) == 0


def test_an_applicant_cannot_file_what_its_body_may_not(app: Flask) -> None:
    prep = Client(app, "prep")
    prep.get("/filing/fee_adjustment", status=403)
    Client(app, "secretary").get("/filing", status=403)


# ---------------------------------------------------------------- a case through the pages


def test_a_case_through_every_page_to_closure(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    committee = Client(app, "committee")
    answer = committee.post(
        "/filing/common_income",
        dict(FILING, org="1", **{"attachments.upload": _pdf("方案.pdf")}),
    )
    case_url = answer.location
    case_id = int(case_url.rsplit("/", 1)[1])
    page = committee.get(case_url).text
    assert "方案.pdf" in page and "受理审查" in page and "<svg" in page
    sha = re.search(rf"/cases/{case_id}/files/([0-9a-f]{{64}})", page).group(1)
    download = committee.get(f"/cases/{case_id}/files/{sha}")
    assert download.data == _pdf_bytes("方案.pdf")

    secretary = Client(app, "secretary")
    task = _task_id(secretary, "受理审查")
    secretary.post(f"/tasks/{task}/claim", {})
    assert "取消签收" in secretary.get(f"/tasks/{task}").text
    member = Client(app, "member")
    assert "受理审查" not in member.get("/inbox").text
    secretary.post(f"/tasks/{task}", {"acceptance_decision": "accept"})

    task = _task_id(member, "集体研究")
    members = _members(member.get(f"/tasks/{task}").text)
    study = {
        "meeting_type": "branch_committee",
        "study_meeting_date": "2026-03-02",
        "present_member": members[:1],
        "votes_for": "1",
        "votes_against": "0",
        "votes_abstain": "0",
        "opinions": "同意。",
    }
    page = member.post(f"/tasks/{task}", dict(study, action="check"), status=422).text
    assert "未超过应到会人数的半数" in page
    study["present_member"] = members
    study["votes_for"] = "2"
    page = member.post(f"/tasks/{task}", dict(study, action="check"), status=200).text
    assert 'id="check-result"' in page and "通过" in page
    member.post(f"/tasks/{task}", study)

    task = _task_id(secretary, "书面批复")
    reply = {"reply_decision": "agree_with_conditions", "reply_reasons": "符合规定。"}
    page = secretary.post(f"/tasks/{task}", dict(reply, action="preview"), status=422).text
    assert "附条件同意时必须填写“附加条件”" in page
    reply["reply_conditions"] = "采购结果公示七日。"
    page = secretary.post(f"/tasks/{task}", dict(reply, action="preview"), status=200).text
    assert "批复预览" in page and "（文号于签发时生成）" in page
    secretary.post(f"/tasks/{task}", reply)
    printed = committee.get(f"/cases/{case_id}/reply").text
    assert "幸福社区党委批〔2026〕1号" in printed and "2026年3月2日" in printed
    assert "采购结果公示七日" in printed and "签发人" in printed

    clock.advance(days=17)
    task = _task_id(committee, "业主表决")
    page = committee.get(f"/tasks/{task}").text
    assert "第（九）项" in page and "双三分之二参与、双过半同意" in page
    page = committee.post(f"/tasks/{task}", dict(VOTE, action="check"), status=200).text
    assert "表决通过" in page and "（75.00%）" in page and "——达到" in page
    committee.post(f"/tasks/{task}", VOTE)

    task = _task_id(committee, "收益及使用情况公示")
    committee.post(
        f"/tasks/{task}",
        {
            "income_year": "2025",
            "income_amount": "56000.00",
            "spent_amount": "20000.00",
            "published_on": "2026-03-18",
            "publication_end": "2026-04-20",
            "published_where": "公告栏",
        },
    )
    task = _task_id(committee, "实施情况报告")
    page = committee.get(f"/tasks/{task}").text
    assert "业主表决结果：通过" in page
    page = committee.post(
        f"/tasks/{task}", {"summary": "已实施。", "done_on": "2026-03-19"}, status=422
    ).text
    assert "“证明材料”至少需要 1 项" in page
    committee.post(
        f"/tasks/{task}",
        {"summary": "已实施。", "done_on": "2026-03-19", "evidence.upload": _pdf("验收.pdf")},
    )
    task = _task_id(secretary, "监督检查")
    secretary.post(f"/tasks/{task}", {"oversight_result": "compliant"})

    page = committee.get(case_url).text
    assert "已办结" in page and "业主表决结果" in page
    for step in ("受理审查", "集体研究", "书面批复", "业主表决", "实施情况报告", "监督检查"):
        assert f"办理完成：{step}" in page
    assert "签收任务" in page


def test_a_return_for_additions_is_answered_with_the_changed_fields(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "fee_adjustment", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "受理审查")
    page = secretary.post(f"/tasks/{task}", {"acceptance_decision": "return"}, status=422).text
    assert "退回补正时必须填写“退回理由及需补正的内容”" in page
    secretary.post(
        f"/tasks/{task}",
        {"acceptance_decision": "return", "acceptance_reasons": "请补充成本测算。"},
    )
    firm = Client(app, "firm")
    task = _task_id(firm, "补正材料")
    page = firm.get(f"/tasks/{task}").text
    assert "请补充成本测算。" in page and 'value="2.20"' in page
    assert 'name="sub_type"' not in page and 'name="committee_members_total"' not in page
    form = dict(
        re.findall(r'<input id="f-[^"]+" name="([^"]+)" type="text"[^>]* value="([^"]*)"', page)
    )
    form.update(re.findall(r'name="(attachments\.\d+\.(?:name|sha256))" value="([^"]*)"', page))
    form.update(price_regime="government_guided", supplement_note="已补充。")
    for name in ("reasons", "legal_basis", "plan"):
        form[name] = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page).group(1)
    form["proposed_fee"] = "3.00"
    page = firm.post(f"/tasks/{task}", form, status=422).text
    assert 'id="f-proposed_fee-error"' in page and "1.50 至 2.50" in page
    form["proposed_fee"] = "2.30"
    firm.post(f"/tasks/{task}", form)
    with service.sessions() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq.desc())
        ).first()
    assert event.data["data"]["updated_fields"] == {"proposed_fee": "2.30"}
    assert "补正的内容" in secretary.get(f"/cases/{case_id}").text


def test_the_study_counts_the_ticked_members_without_script(
    app: Flask, service: CaseService
) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    member = Client(app, "member")
    task = _task_id(member, "集体研究")
    page = member.get(f"/tasks/{task}").text
    assert "陈书记" in page and "刘委员" in page and 'value="2"' in page
    member.post(
        f"/tasks/{task}",
        {
            "meeting_type": "branch_committee",
            "study_meeting_date": "2026-03-02",
            "present_member": _members(page),
            "votes_for": "2",
            "votes_against": "0",
            "votes_abstain": "0",
            "opinions": "同意。",
        },
    )
    with service.sessions() as session:
        event = session.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
    assert event.data["data"]["members_present"] == 2
    assert event.data["data"]["members_expected"] == 2
    names = event.data["data"]["members_present_names"]
    assert names == ["陈书记（幸福社区党委）", "刘委员（幸福社区党委）"]
    case_page = member.get(f"/cases/{event.case_id}").text
    assert "出席成员" in case_page and "陈书记（幸福社区党委）、刘委员（幸福社区党委）" in case_page


def test_the_ticked_members_must_match_the_count_typed(app: Flask, service: CaseService) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "集体研究")
    page = secretary.get(f"/tasks/{task}").text
    answer = secretary.post(
        f"/tasks/{task}",
        {
            "meeting_type": "branch_committee",
            "study_meeting_date": "2026-03-02",
            "present_member": _members(page)[:1],
            "members_expected": "2",
            "members_present": "2",
            "votes_for": "2",
            "votes_against": "0",
            "votes_abstain": "0",
            "opinions": "同意。",
        },
        status=422,
    )
    assert "与实到会人数 2 人不一致" in answer.text


def test_the_secretary_assigns_a_task_to_a_member(app: Flask, service: CaseService) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "集体研究")
    page = secretary.get(f"/tasks/{task}").text
    assert 'name="assignee"' in page and 'value="member"' in page
    assert 'name="assignee"' not in Client(app, "member").get(f"/tasks/{task}").text
    secretary.post(f"/tasks/{task}/assign", {"assignee": "member"})
    with service.sessions() as session:
        task_row = session.get(HumanTask, task)
        member_id = session.scalar(select(User.id).where(User.username == "member"))
        assert task_row.assignee_id == member_id
    assert "刘委员" in secretary.get(f"/tasks/{task}").text
    assert f'href="/tasks/{task}"' in Client(app, "member").get("/inbox?assignee=me").text
    secretary.post(f"/tasks/{task}/assign", {"assignee": ""})
    with service.sessions() as session:
        assert session.get(HumanTask, task).assignee_id is None
    Client(app, "member").post(f"/tasks/{task}/assign", {"assignee": "member"}, status=403)
    assert "指派任务" in secretary.get(f"/cases/{task_row.case_id}").text


def _row_assign_form(page: str, task: int) -> str | None:
    """The assign form of the task's inbox row, or None when the row has none."""
    found = re.search(rf'<form[^>]*action="/inbox/tasks/{task}/assign".*?</form>', page, re.S)
    return found.group(0) if found else None


def _assigned_to(service: CaseService, task: int) -> str | None:
    with service.sessions() as session:
        holder = session.get(HumanTask, task).assignee_id
        return session.scalar(select(User.username).where(User.id == holder)) if holder else None


def _user_ids(service: CaseService, *usernames: str) -> list[int]:
    with service.sessions() as session:
        return list(session.scalars(select(User.id).where(User.username.in_(usernames))))


def _history_length(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(CaseEvent))


def test_the_secretary_assigns_from_an_inbox_row_and_stays_on_the_page(
    app: Flask, service: CaseService
) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    drive(service, "fee_adjustment", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "集体研究")
    here = "/inbox?matter=firm_entry&sort=-created"
    form = _row_assign_form(secretary.get(here).text, task)
    assert form is not None
    assert 'name="next" value="/inbox?matter=firm_entry&amp;sort=-created"' in form
    assert 'name="seen" value=""' in form
    assert re.findall(r'<option value="(\w+)"', form) == ["secretary", "member"]
    acceptance = _task_id(secretary, "受理审查")  # only the secretary may do it: 签收 suffices
    assert _row_assign_form(secretary.get("/inbox").text, acceptance) is None
    answer = secretary.post(
        f"/inbox/tasks/{task}/assign", {"assignee": "member", "seen": "", "next": here}
    )
    assert answer.location == here
    page = secretary.get(here).text
    assert "已将“集体研究”（" in page and "）分派给刘委员（幸福社区党委）。" in page
    assert 'value="firm_entry" selected' in page and 'value="-created" selected' in page
    assert _assigned_to(service, task) == "member"
    # The row of a task someone holds shows the holder chosen; it can be handed on.
    form = _row_assign_form(secretary.get("/inbox?assignee=any").text, task)
    assert 'value="member" selected' in form and 'name="seen" value=""' not in form
    seen = re.search(r'name="seen" value="(\d+)"', form).group(1)
    answer = secretary.post(
        f"/inbox/tasks/{task}/assign", {"assignee": "secretary", "seen": seen, "next": here}
    )
    assert answer.location == here and _assigned_to(service, task) == "secretary"
    # Only a path of this site is gone back to.
    for elsewhere in ("https://evil.example/inbox", "//evil.example", "/\\evil.example", ""):
        answer = secretary.post(
            f"/inbox/tasks/{task}/assign", {"assignee": "secretary", "next": elsewhere}
        )
        assert answer.location == "/inbox", elsewhere


def test_an_inbox_row_refuses_someone_who_may_not_work_the_task(
    app: Flask, service: CaseService
) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "集体研究")
    before = _history_length(service)
    refusals = {
        "firm": "未能分派该任务：该用户没有办理此任务的权限。",
        "secretary2": "未能分派该任务：该用户没有办理此任务的权限。",
        "nobody": "未能分派该任务：没有这个用户。",
        "": "未能分派该任务：请选择要分派给的人员。",
    }
    for username, message in refusals.items():
        answer = secretary.post(
            f"/inbox/tasks/{task}/assign", {"assignee": username, "seen": "", "next": "/inbox"}
        )
        assert answer.location == "/inbox"
        assert message in secretary.get("/inbox").text, username
    secretary.post(f"/inbox/tasks/{task}/assign", {"seen": "", "next": "/inbox"})
    assert "请选择要分派给的人员。" in secretary.get("/inbox").text
    assert _assigned_to(service, task) is None and _history_length(service) == before


def test_who_may_not_assign_sees_no_control_and_cannot_forge_one(
    app: Flask, service: CaseService
) -> None:
    drive(service, "firm_entry", stop_before="collective_study")
    member = Client(app, "member")
    task = _task_id(member, "集体研究")
    page = member.get("/inbox").text
    assert _row_assign_form(page, task) is None and 'class="row-assign"' not in page
    assert (
        "只有社区党组织书记可以分派该任务"
        in member.post(
            f"/inbox/tasks/{task}/assign", {"assignee": "member", "next": "/inbox"}, status=403
        ).text
    )
    Client(app, "secretary2").post(
        f"/inbox/tasks/{task}/assign", {"assignee": "secretary2", "next": "/inbox"}, status=404
    )
    # The applicant's own steps are not the secretary's to hand out.
    case_id = drive(service, "parking_allocation", stop_before="owners_vote")
    vote = open_task(service, case_id).id
    assert _row_assign_form(Client(app, "secretary").get("/inbox?assignee=any").text, vote) is None
    Client(app, "secretary").post(
        f"/inbox/tasks/{vote}/assign", {"assignee": "committee", "next": "/inbox"}, status=403
    )
    assert _assigned_to(service, task) is None and _assigned_to(service, vote) is None


def test_an_inbox_row_acted_on_by_someone_else_first_gives_a_conflict(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "firm_entry", stop_before="collective_study")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "集体研究")
    assert _row_assign_form(secretary.get("/inbox").text, task) is not None
    # The member claims the task after the secretary's inbox showed it free.
    Client(app, "member").post(f"/tasks/{task}/claim", {})
    before = _history_length(service)
    secretary.post(f"/inbox/tasks/{task}/assign", {"assignee": "secretary", "seen": ""})
    page = secretary.get("/inbox").text
    assert "未能分派该任务：该任务的签收人已被他人更改，请查看最新情况后再分派。" in page
    assert _assigned_to(service, task) == "member" and _history_length(service) == before
    # The step is done before the secretary's form arrives.
    complete_step(
        service,
        case_id,
        "collective_study",
        step_payload("firm_entry", "collective_study", service.clock.now()),
    )
    before = _history_length(service)
    (member_id,) = _user_ids(service, "member")
    answer = secretary.post(
        f"/inbox/tasks/{task}/assign",
        {"assignee": "secretary", "seen": str(member_id), "next": "/inbox?status=open"},
    )
    assert answer.location == "/inbox?status=open"
    page = secretary.get("/inbox?status=open").text
    assert "未能分派该任务：该任务已办理完毕或已取消。" in page
    assert _row_assign_form(page, task) is None and _history_length(service) == before
    assert _row_assign_form(secretary.get("/inbox?status=completed").text, task) is None


def test_the_inbox_finds_the_people_for_a_page_of_rows_in_two_queries(
    app: Flask, service: CaseService, db_engine
) -> None:
    """The candidates of every row come from two queries, however many rows there are."""
    with service.sessions() as session:
        me = service.actor(session, "secretary")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    asked = []
    for n in (1, 4):
        while len(asked) < n:
            matter = ("parking_allocation", "fee_adjustment")[len(asked) % 2]
            case_id = drive(service, matter, stop_before="collective_study")
            asked.append(open_task(service, case_id).id)
        statements.clear()
        event.listen(db_engine, "before_cursor_execute", count)
        try:
            with service.sessions() as session:
                found = claiming.assignees_by_task(session, me, asked)
        finally:
            event.remove(db_engine, "before_cursor_execute", count)
        assert len(statements) == 2 and sorted(found) == sorted(asked)
        assert {tuple(p.username for p in people) for people in found.values()} == {
            ("secretary", "member")
        }
    with service.sessions() as session:
        member = service.actor(session, "member")
    statements.clear()
    event.listen(db_engine, "before_cursor_execute", count)
    try:
        with service.sessions() as session:
            assert claiming.assignees_by_task(session, member, asked) == {}
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert statements == []
    page = Client(app, "secretary").get("/inbox").text
    assert all(_row_assign_form(page, task) for task in asked)


def test_inbox_filters_are_saved_applied_and_deleted(app: Flask, service: CaseService) -> None:
    drive(service, "firm_entry", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    answer = secretary.post(
        "/inbox/filters",
        {"name": "超期的进驻", "matter": "firm_entry", "due": "overdue", "sort": "-priority"},
    )
    assert answer.location.startswith("/inbox?")
    with service.sessions() as session:
        me = service.actor(session, "secretary")
        (saved,) = saved_filters.saved_filters(session, me)
    assert saved.query == {"matter": "firm_entry", "sort": "-priority", "overdue": True}
    page = secretary.get("/inbox").text
    link = re.search(r'<a href="(/inbox\?[^"]+)">超期的进驻</a>', page)
    assert link, page
    applied = secretary.get(link.group(1).replace("&amp;", "&")).text
    assert 'value="overdue" selected' in applied and 'value="firm_entry" selected' in applied
    secretary.post("/inbox/filters", {"name": "超期的进驻"})
    assert "已有同名的筛选条件" in secretary.get("/inbox").text
    Client(app, "member").post(f"/inbox/filters/{saved.id}/delete", {}, status=404)
    secretary.post(f"/inbox/filters/{saved.id}/delete", {})
    assert "超期的进驻" not in secretary.get("/inbox").text


def test_every_step_of_every_matter_has_a_page(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    """Each open step renders for the user whose inbox shows it, with its form; time moves
    on before each step as far as its dates reach back."""
    users: dict[str, Client] = {}
    for matter in catalogue.MATTERS:
        username, _estate = applicant_for(matter)
        with service.sessions() as session:
            applicant = service.actor(session, username)
        case_id = service.file_case(applicant, filing_payload(matter, service.clock.now()))
        while (task := open_task(service, case_id)) is not None:
            with service.sessions() as session:
                username = worker_for(session, task)
            user = users.setdefault(username, Client(app, username))
            page = user.get(f"/tasks/{task.id}").text
            assert f"<h1>{task.name}</h1>" in page and 'name="revision"' in page
            clock.advance(days=step_lead(matter, task.bpmn_id))
            payload = step_payload(matter, task.bpmn_id, service.clock.now())
            complete_step(service, case_id, task.bpmn_id, payload)
        assert "已办结" in users["secretary"].get(f"/cases/{case_id}").text


def test_a_list_of_records_grows_a_row_without_script(app: Flask, service: CaseService) -> None:
    drive(service, "committee_election", stop_before="candidate_vetting")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "候选人资格把关")
    page = secretary.get(f"/tasks/{task}").text
    assert page.count('name="candidates.') and "candidates.1.name" in page
    page = secretary.post(
        f"/tasks/{task}",
        {"candidates.0.name": "张明", "candidates.1.name": "李华", "action": "add_row:candidates"},
        status=200,
    ).text
    assert "candidates.2.name" in page and 'value="李华"' in page
    page = secretary.post(
        f"/tasks/{task}",
        {
            "candidates.0.name": "张明",
            "candidates.0.is_owner": "false",
            "candidates.0.has_fee_arrears": "false",
            "candidates.0.is_party_member": "true",
            "vetting_opinion": "审查。",
        },
        status=422,
    ).text
    assert "候选人张明不是本小区业主" in page


# ---------------------------------------------------------------- inbox and tasks


def test_the_inbox_filters_sorts_pages_and_marks_overdue(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    for matter in ("firm_entry", "fee_adjustment", "fund_normal"):
        drive(service, matter, stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    page = secretary.get("/inbox").text
    assert page.count(">受理审查</a>") == 3 and 'class="badge overdue"' not in page
    page = secretary.get("/inbox?matter=fee_adjustment").text
    assert page.count(">受理审查</a>") == 1
    clock.advance(days=10)
    page = secretary.get("/inbox?due=overdue&sort=-created").text
    assert page.count('class="is-overdue"') == 3 and 'class="badge overdue"' in page
    assert 'class="is-overdue"' in secretary.get("/").text
    page = secretary.get("/inbox?sort=bogus", status=422).text
    assert "不支持的排序方式" in page
    with service.transaction() as session:
        first = session.scalars(select(HumanTask.id).order_by(HumanTask.id)).first()
    secretary.post(f"/tasks/{first}/claim", {})
    page = secretary.get("/inbox?assignee=me").text
    assert page.count(">受理审查</a>") == 1 and "取消签收" in page
    secretary.post(f"/tasks/{first}/unclaim", {"next": "/inbox?assignee=none"})
    assert secretary.get("/inbox?assignee=none").text.count(">受理审查</a>") == 3


def test_more_tasks_than_a_page_are_paged(app: Flask, service: CaseService) -> None:
    for _ in range(21):  # not an exclusive matter: all may be open at once
        drive(service, "parking_allocation", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    page = secretary.get("/inbox").text
    assert page.count(">受理审查</a>") == 20
    cursor = re.search(r'href="(/inbox\?cursor=[^"]+)" rel="next"', page).group(1)
    page = secretary.get(cursor.replace("&amp;", "&")).text
    assert page.count(">受理审查</a>") == 1 and "回到第一页" in page


def test_the_task_arrangement_and_a_comment_go_into_the_history(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "受理审查")
    secretary.post(f"/tasks/{task}/arrangement", {"follow_up_on": "2026-03-04", "priority": "80"})
    page = secretary.post(f"/tasks/{task}/arrangement", {"priority": "high"}, status=422).text
    assert "优先级应为 0 至 100 的整数" in page
    secretary.post(f"/cases/{case_id}/comments", {"body": "请尽快补充招标文件。"})
    page = secretary.get(f"/cases/{case_id}").text
    assert "更新任务" in page and "优先级" in page and "请尽快补充招标文件。" in page
    assert "2026-03-04" in secretary.get("/inbox").text
    Client(app, "auditor").post(f"/cases/{case_id}/comments", {"body": "x"}, status=403)
    assert "x</dd>" not in secretary.get(f"/cases/{case_id}").text


def test_someone_outside_the_case_sees_nothing_and_works_nothing(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    task = open_task(service, case_id).id
    outsider = Client(app, "committee4")
    outsider.get(f"/cases/{case_id}", status=404)
    outsider.get(f"/tasks/{task}", status=404)
    other_secretary = Client(app, "secretary2")
    other_secretary.post(f"/tasks/{task}", {"acceptance_decision": "accept"}, status=404)
    member = Client(app, "member")
    assert "您没有办理该任务的权限" in member.get(f"/tasks/{task}").text
    member.post(f"/tasks/{task}", {"acceptance_decision": "accept"}, status=409)
    assert open_task(service, case_id).id == task


def test_a_stale_form_is_refused_with_a_conflict(app: Flask, service: CaseService) -> None:
    drive(service, "firm_entry", stop_before="acceptance_check")
    secretary = Client(app, "secretary")
    task = _task_id(secretary, "受理审查")
    page = secretary.post(
        f"/tasks/{task}", {"acceptance_decision": "accept", "revision": "7"}, status=409
    ).text
    assert "案件已被他人更新" in page


# ---------------------------------------------------------------- the auditor


def test_the_auditor_verifies_replays_and_exports_a_history(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "fee_adjustment")
    with service.sessions() as session:
        filed = session.get(Case, case_id).filed_at.astimezone(SHANGHAI)
    auditor = Client(app, "auditor")
    page = auditor.get("/audit?matter=fee_adjustment").text
    assert f"/audit/cases/{case_id}" in page
    assert auditor.get(f"/audit?q={case_id}", status=302).location == f"/audit/cases/{case_id}"
    found = auditor.get(f"/audit?q=收费标准&from={filed.date()}").text
    assert f"/audit/cases/{case_id}" in found
    later = filed.date() + timedelta(days=1)
    assert f"/audit/cases/{case_id}" not in auditor.get(f"/audit?from={later}").text
    page = auditor.get(f"/audit/cases/{case_id}").text
    assert "记录完整" in page
    with service.sessions() as session:
        count = session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))
    for seq in range(1, count + 1):
        page = auditor.get(f"/audit/cases/{case_id}/replay?seq={seq}").text
        assert f"第 {seq} / {count} 条" in page and "<svg" in page
    assert "已办结" in page
    exported = json.loads(auditor.get(f"/audit/cases/{case_id}/history.json").data)
    assert exported["verification"]["ok"] is True and len(exported["events"]) == count
    rows = list(
        csv.DictReader(
            io.StringIO(auditor.get(f"/audit/cases/{case_id}/history.csv").text.lstrip("\ufeff"))
        )
    )
    assert [int(r["seq"]) for r in rows] == list(range(1, count + 1))
    assert rows[0]["at_shanghai"] == filed.strftime("%Y-%m-%d %H:%M")
    assert "案件办理记录" in auditor.get(f"/audit/cases/{case_id}/history/print").text
    Client(app, "secretary").get("/audit", status=403)


def test_a_tampered_history_shows_where_it_breaks(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry")
    with service.transaction() as session:
        session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.seq == 3)
            .values(data={"task": "collective_study", "data": {"votes_for": 99}})
        )
    auditor = Client(app, "auditor")
    page = auditor.get(f"/audit/cases/{case_id}").text
    assert "记录在第 3 条处断裂" in page and "内容被改动" in page
    page = auditor.get(f"/audit/cases/{case_id}/replay?seq=3").text
    assert "重放到第 3 条记录时失败" in page


def test_a_street_auditor_sees_only_the_street(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    Client(app, "auditor_s1").get(f"/audit/cases/{case_id}")
    with service.transaction() as session:
        session.execute(update(Case).where(Case.id == case_id).values(street_id=3))
    Client(app, "auditor_s1").get(f"/audit/cases/{case_id}", status=404)


def test_the_case_list_filters_the_cases_in_reach(app: Flask, service: CaseService) -> None:
    closed = drive(service, "fee_adjustment")
    running = drive(service, "firm_entry", stop_before="acceptance_check")
    committee = Client(app, "committee")
    page = committee.get("/cases").text
    assert f'href="/cases/{running}"' in page and f'href="/cases/{closed}"' not in page
    page = Client(app, "secretary").get("/cases?status=closed").text
    assert f'href="/cases/{closed}"' in page and f'href="/cases/{running}"' not in page
    assert f'href="/cases/{closed}"' in Client(app, "firm").get("/cases?q=收费").text


def _notify_secretary(service: CaseService, notices: list[tuple[str, str]]) -> tuple[int, int]:
    """A case waiting for acceptance and (kind, title) notices to the secretary about it,
    in place of the handoffs its filing sent; returns the case id and the first notice's id."""
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    with service.transaction() as session:
        session.execute(delete(Notification))
        case = session.get(Case, case_id)
        secretary_user = session.scalar(select(User).where(User.username == "secretary"))
        for kind, title in notices:
            notify(
                session,
                [secretary_user],
                kind=kind,
                case=case,
                task=None,
                title=title,
                body="请在期限内办理。",
                now=service.clock.now(),
            )
        first = session.scalar(select(Notification.id).order_by(Notification.id))
    return case_id, first


def test_unread_notifications_show_on_the_start_page_until_read(
    app: Flask, service: CaseService
) -> None:
    case_id, notice_id = _notify_secretary(service, [("reminder", "受理审查即将到期")])
    secretary = Client(app, "secretary")
    page = secretary.get("/").text
    assert "未读提醒（1 条）" in page and "受理审查即将到期" in page
    answer = secretary.post(f"/notifications/{notice_id}/read", {})
    assert answer.location == f"/cases/{case_id}"
    assert "受理审查即将到期" not in secretary.get("/").text


def test_the_notifications_page_lists_read_and_unread_a_page_at_a_time(
    app: Flask, service: CaseService
) -> None:
    _case_id, first = _notify_secretary(
        service, [("reminder" if n % 2 else "escalation", f"提醒第{n}条") for n in range(32)]
    )
    secretary = Client(app, "secretary")
    secretary.post(f"/notifications/{first}/read", {})
    page = secretary.get("/notifications")
    assert page.status_code == 200
    assert "未读 31 条" in page.text and "提醒第31条" in page.text and "督办" in page.text
    assert "提醒第1条" not in page.text and 'rel="next"' in page.text
    older = secretary.get("/notifications?page=2").text
    assert "提醒第0条" in older and "已读" in older and "提醒第2条" not in older
    answer = secretary.post("/notifications/read", {"back": "1"})
    assert answer.location == "/notifications"
    assert "未读 0 条" in secretary.get("/notifications").text
    assert "暂无提醒" in Client(app, "street").get("/notifications").text
    assert "提醒第" not in Client(app, "member").get("/notifications?page=-3").text


def test_the_vote_page_starts_from_the_request_scope_where_the_matter_counts_it(
    app: Flask, service: CaseService
) -> None:
    """A maintenance-fund vote counts the cost-sharing scope; other votes the whole estate."""
    help_text = "维修资金使用的表决基数为请示中列支范围内的面积和人数。"
    voting = [m for m in catalogue.MATTERS.values() if m.has_owners_vote]
    scoped = next(m.code for m in voting if m.vote_counts_scope)
    whole = next(m.code for m in voting if not m.vote_counts_scope)
    for code, counts_scope in ((scoped, True), (whole, False)):
        case_id = drive(service, code, stop_before="owners_vote")
        page = Client(app, applicant_for(code)[0]).get(f"/tasks/{open_task(service, case_id).id}")
        assert (help_text in page.text) is counts_scope
        assert ('value="24000.00"' in page.text) is counts_scope


@pytest.mark.parametrize(
    "code", [code for code, m in catalogue.MATTERS.items() if m.routed_by], ids=str
)
def test_a_supplement_cannot_change_what_the_model_routes_on(
    app: Flask, service: CaseService, code: str
) -> None:
    """firm_exit routes on who ends the contract: a correction keeps it, like the sub-type."""
    case_id = drive(service, code, stop_before="acceptance_check")
    now = service.clock.now()
    returned = step_payload(code, "acceptance_check", now, choice="return")
    complete_step(service, case_id, "acceptance_check", returned)
    page = Client(app, applicant_for(code)[0]).get(f"/tasks/{open_task(service, case_id).id}")
    for name in ("sub_type", *catalogue.matter(code).routed_by):
        assert f'name="{name}"' not in page.text
    assert 'name="reasons"' in page.text
