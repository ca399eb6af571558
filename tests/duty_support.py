"""Helpers for the deadline, worker, duty and firm-credit tests: file, approve, look up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.cases.case_service import CaseService
from service.core.models import CaseEvent, HumanTask, Notification, User
from service.demo.cases import filing_payload
from service.duties.schedule import DutyService
from workflows.work_calendar import SHANGHAI

CREDIT_CODE = "91110108MA01RX70XH"
EVIDENCE = [{"name": "证明材料.pdf", "sha256": "b" * 64}]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def duties_of(service: CaseService) -> DutyService:
    """The duty service over the same database and clock as the test's case service."""
    return DutyService(service.sessions, service.clock)


def file_firm_entry(service: CaseService, username: str = "committee") -> int:
    request: dict[str, Any] = {
        "title": "选聘新的物业服务企业",
        "reasons": "原物业服务合同到期",
        "legal_basis": "民法典第二百七十八条第一款第（四）项，双过半",
        "plan": "公开招标选聘",
        "affected_area": "10000.00",
        "affected_owners": 100,
        "selection_method": "tender",
    }
    if username == "committee":
        request.update(
            committee_members_total=7, committee_members_present=7, committee_members_agreeing=7
        )
    with service.sessions() as session:
        actor = service.actor(session, username)
    return service.file_case(
        actor, {"matter_type": "firm_entry", "estate": "E01", "request": request}
    )


def file_parking_allocation(service: CaseService) -> int:
    """A parking allocation by the committee of E01, waiting for acceptance: a matter that
    may be open several times at one estate, for tests that need many open cases."""
    with service.sessions() as session:
        actor = service.actor(session, "committee")
    return service.file_case(actor, filing_payload("parking_allocation", service.clock.now()))


def open_task(service: CaseService, case_id: int, bpmn_id: str) -> HumanTask | None:
    with service.sessions() as session:
        return session.scalar(
            select(HumanTask).where(
                HumanTask.case_id == case_id,
                HumanTask.bpmn_id == bpmn_id,
                HumanTask.status == "open",
            )
        )


def complete(
    service: CaseService, username: str, case_id: int, bpmn_id: str, payload: dict[str, Any]
) -> int:
    task = open_task(service, case_id, bpmn_id)
    assert task is not None, f"{bpmn_id} is not open in case {case_id}"
    with service.sessions() as session:
        actor = service.actor(session, username)
    return service.complete_task(actor, task.id, payload)


def approve(service: CaseService, case_id: int, decision: str = "agree") -> None:
    """Accept, study and reply (agree, unless told), as the C01 party organization would."""
    today = service.clock.now().astimezone(SHANGHAI).date().isoformat()
    complete(service, "secretary", case_id, "acceptance_check", {"acceptance_decision": "accept"})
    complete(
        service,
        "secretary",
        case_id,
        "collective_study",
        {
            "meeting_type": "branch_committee",
            "study_meeting_date": today,
            "members_expected": 5,
            "members_present": 5,
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstain": 0,
            "opinions": "同意",
        },
    )
    complete(
        service,
        "secretary",
        case_id,
        "written_reply",
        {"reply_decision": decision, "reply_reasons": "符合规定"},
    )


def events(service: CaseService, case_id: int, kind: str | None = None) -> list[CaseEvent]:
    with service.sessions() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        if kind is not None:
            query = query.where(CaseEvent.kind == kind)
        return list(session.scalars(query))


def notices(service: CaseService, username: str, kind: str | None = None) -> list[Notification]:
    with service.sessions() as session:
        query = (
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.username == username)
            .order_by(Notification.id)
        )
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(session.scalars(query))
