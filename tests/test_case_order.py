"""Every date a case records lies in the case's order (issues 18 and 27): on or after the
filing, on or after the written reply for the steps after it, on or after the facts the
earlier steps recorded; refused naming the field and the day it must follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import Client, assert_problem, make_app, token_for
from duty_support import complete, open_task

from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.errors import InvalidInput
from service.demo.cases import drive, step_payload


def _refused(service: CaseService, username: str, case_id: int, task: str, data: dict) -> dict:
    with pytest.raises(InvalidInput) as refused:
        complete(service, username, case_id, task, data)
    return refused.value.messages


def test_a_study_meeting_before_the_filing_is_refused_over_http(
    service: CaseService, tmp_path: Path
) -> None:
    """The example of issue 27: a collective study dated years before the filing."""
    case_id = drive(service, "fund_normal", stop_before="collective_study")
    task = open_task(service, case_id, "collective_study")
    secretary = Client(make_app(service, tmp_path).test_client(), token_for(service, "secretary"))
    study = step_payload("fund_normal", "collective_study", service.clock.now())
    answer = secretary.post(
        f"/tasks/{task.id}/complete", {"data": {**study, "study_meeting_date": "2020-01-01"}}
    )
    body = assert_problem(answer, 422)
    assert body["errors"]["study_meeting_date"] == ["“会议日期”不得早于请示提交日期 2026-03-02。"]
    assert open_task(service, case_id, "collective_study") is not None
    done = secretary.post(f"/tasks/{task.id}/complete", {"data": study})
    assert done.status_code == 200, done.get_json()


def test_an_implementation_step_before_the_reply_is_refused(
    service: CaseService, clock: FixedClock
) -> None:
    """A firm leaving on its own goes from the reply straight to the handover."""
    case_id = drive(service, "firm_exit", sub_type="firm", stop_before="handover_checklist")
    clock.advance(days=3)
    handover: dict[str, Any] = step_payload("firm_exit", "handover_checklist", clock.now())
    early = {**handover, "handover_date": "2026-03-01", "old_firm_left_on": "2026-03-01"}
    messages = _refused(service, "firm", case_id, "handover_checklist", early)
    assert messages["handover_date"] == ["“交接完成日期”不得早于批复日期 2026-03-02。"]
    assert messages["old_firm_left_on"] == ["“原物业服务企业撤离日期”不得早于批复日期 2026-03-02。"]
    on_the_day = {**early, "handover_date": "2026-03-02", "old_firm_left_on": "2026-03-02"}
    on_the_day["successor_took_over_on"] = "2026-03-02"
    complete(service, "firm", case_id, "handover_checklist", on_the_day)


def test_a_transfer_before_the_works_acceptance_is_refused(
    service: CaseService, clock: FixedClock
) -> None:
    """The example of issue 27: the fund paid out before the works it pays were accepted
    (the scenario accepted them on 2026-02-28, after a vote held the day before)."""
    case_id = drive(service, "fund_normal", stop_before="fund_payment")
    payment = step_payload("fund_normal", "fund_payment", clock.now())
    early = {**payment, "applied_on": "2026-02-01", "reviewed_on": "2026-02-01"}
    early["transferred_on"] = "2026-02-27"
    messages = _refused(service, "committee", case_id, "fund_payment", early)
    assert set(messages) == {"applied_on", "reviewed_on", "transferred_on"}
    assert messages["transferred_on"] == [
        "“划转日期”不得早于工程竣工验收的“竣工验收日期” 2026-02-28。"
    ]
    complete(service, "committee", case_id, "fund_payment", payment)


def test_an_owners_vote_noticed_before_the_reply_is_refused(
    service: CaseService, clock: FixedClock
) -> None:
    """The example of issue 18: a vote noticed before the party organization agreed."""
    case_id = drive(service, "fee_adjustment", stop_before="written_reply")
    complete(service, "secretary", case_id, "written_reply", _agree())
    clock.advance(days=1)
    publication = step_payload("fee_adjustment", "cost_publication", clock.now())
    publication["published_on"] = "2026-03-03"
    complete(service, "firm", case_id, "cost_publication", publication)
    clock.advance(days=20)
    vote = step_payload("fee_adjustment", "owners_vote", clock.now())
    early = {**vote, "vote_notice_date": "2026-02-10"}
    messages = _refused(service, "firm", case_id, "owners_vote", early)
    assert messages["vote_notice_date"] == [
        "“会议通知（公告）日期”不得早于成本测算公示的“公示日期” 2026-03-03。"
    ]
    complete(service, "firm", case_id, "owners_vote", vote)


def _agree() -> dict[str, str]:
    return {"reply_decision": "agree", "reply_reasons": "经集体研究决定。"}


def test_an_emergency_repair_may_end_before_the_reply_never_before_the_emergency(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = drive(service, "fund_emergency", stop_before="cost_report")
    clock.advance(days=5)
    report = step_payload("fund_emergency", "cost_report", clock.now())
    before = {**report, "completed_on": "2026-03-01"}
    messages = _refused(service, "firm", case_id, "cost_report", before)
    assert messages["completed_on"] == ["“维修完成日期”不得早于紧急情况发生日期 2026-03-02。"]
    complete(service, "firm", case_id, "cost_report", {**report, "completed_on": "2026-03-02"})
