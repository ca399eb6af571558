"""Scenario library: a valid request and valid step data for every matter type, and a driver.

The demo data, the tests and the benchmarks share it, so every matter type is known to
go end to end with data that passes its forms. Dates are computed from the service's
clock (recorded facts lie in the past, plans in the future), so the scenarios stay valid
on any day. ``drive`` files a case as the demo applicant and works it through the
service layer, each step done by the demo user whose inbox shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.core.models import Case, HumanTask, User
from service.people.access import may_work_task
from workflows import catalogue
from workflows.collective_study import MeetingType
from workflows.work_calendar import SHANGHAI

PATHS = ("close", "reject", "vote_fail", "return_once")

# Who files each matter in the demo district, and where (see service/demo/district.py).
APPLICANTS: dict[str, tuple[str, str]] = {
    "assembly_formation": ("prep", "E02"),
    "committee_election": ("committee", "E01"),
    "firm_entry": ("committee", "E01"),
    "firm_exit": ("committee", "E01"),
    "fund_normal": ("committee", "E01"),
    "fund_emergency": ("firm", "E01"),
    "common_income": ("committee", "E01"),
    "fee_adjustment": ("firm", "E01"),
    "parking_allocation": ("committee", "E01"),
}
FIRM_EXIT_BY_FIRM = ("firm", "E01")

# The party and street users of community C01 / street S01, where E01 and E02 lie.
LANE_USERS = {"party_secretary": "secretary", "party_committee": "member", "street": "street"}

DEFAULT_SUB_TYPES = {
    "committee_election": "change_of_term",
    "firm_exit": "owners",
    "common_income": "spending",
    "parking_allocation": "allocation",
}

AFFECTED_AREA = "24000.00"
AFFECTED_OWNERS = 300


def attachment(name: str) -> dict[str, str]:
    """A stored file as the upload service would describe it."""
    return {"name": name, "sha256": hashlib.sha256(name.encode("utf-8")).hexdigest()}


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _day(now: datetime, offset: int) -> str:
    return (_today(now) + timedelta(days=offset)).isoformat()


def variant_of(matter_type: str, sub_type: str | None = None) -> str:
    """The sub-type (for firm_exit: the initiator) a scenario uses; "" when there is none."""
    if sub_type is not None:
        return sub_type
    return DEFAULT_SUB_TYPES.get(matter_type, "")


def applicant_for(matter_type: str, sub_type: str | None = None) -> tuple[str, str]:
    """(username, estate code) of the demo applicant who files this matter."""
    if matter_type == "firm_exit" and variant_of(matter_type, sub_type) == "firm":
        return FIRM_EXIT_BY_FIRM
    return APPLICANTS[matter_type]


# ---------------------------------------------------------------- filing


def filing_payload(matter_type: str, now: datetime, sub_type: str | None = None) -> dict[str, Any]:
    """A valid filing for ``service.file_case`` as the demo applicant of ``applicant_for``.

    For firm_exit ``sub_type`` names the initiator ("owners" or "firm").
    """
    variant = variant_of(matter_type, sub_type)
    username, estate = applicant_for(matter_type, sub_type)
    name = catalogue.matter(matter_type).name
    request: dict[str, Any] = {
        "title": f"关于{name}的请示",
        "reasons": "经业主反映和实地调查，需要办理本事项。",
        "legal_basis": catalogue.matter(matter_type).legal_basis,
        "plan": "详见附件实施方案。",
        "affected_area": AFFECTED_AREA,
        "affected_owners": AFFECTED_OWNERS,
        "attachments": [attachment("实施方案.pdf")],
    }
    if username == "committee":
        request.update(
            committee_members_total=7, committee_members_present=6, committee_members_agreeing=5
        )
    request.update(_filing_extras(matter_type, variant, now))
    return {"matter_type": matter_type, "estate": estate, "request": request}


def _filing_extras(matter_type: str, variant: str, now: datetime) -> dict[str, Any]:
    """The fields of each matter's own filing form."""
    if matter_type == "committee_election":
        extras: dict[str, Any] = {"sub_type": variant, "election_meeting_date": _day(now, 30)}
        if variant == "change_of_term":
            extras["term_end_date"] = _day(now, 180)
        return extras
    if matter_type == "firm_entry":
        return {"selection_method": "tender"}
    if matter_type == "firm_exit":
        notice_days = 60 if variant == "owners" else 90
        return {
            "initiator": variant,
            "firm_name": "安居物业服务有限公司",
            "notice_date": _day(now, -10),
            "service_end_date": _day(now, notice_days - 5),
        }
    if matter_type == "fund_normal":
        return {
            "budget": "80000.00",
            "fund_balance": "120000.00",
            "work_items": "更换3号楼两部电梯",
            "cost_sharing_scope": "3号楼全体业主",
        }
    if matter_type == "fund_emergency":
        return {
            "emergency_category": "lift_failure",
            "occurred_at": (now - timedelta(hours=6)).astimezone(SHANGHAI).isoformat(),
            "reported_at": (now - timedelta(hours=5)).astimezone(SHANGHAI).isoformat(),
            "urgent_measures": "已停用电梯并设置警示，维保单位到场抢修。",
        }
    if matter_type == "common_income":
        if variant == "new_business_use":
            return {
                "sub_type": variant,
                "common_parts": "小区东门广场",
                "business_use": "设置智能快递柜，收益归全体业主",
            }
        return {"sub_type": variant, "budget": "20000.00", "income_balance": "56000.00"}
    if matter_type == "fee_adjustment":
        return {
            "price_regime": "government_guided",
            "current_fee": "1.80",
            "proposed_fee": "2.20",
            "base_price": "2.00",
            "float_range": "0.50",
        }
    if matter_type == "parking_allocation":
        extras = {
            "sub_type": variant,
            "spaces_planned": 120,
            "spaces_common_land": 30,
            "spaces_civil_defence": 40,
            "owners_waiting": 15,
            "non_owner_leases": 0,
        }
        if variant == "new_spaces_common_land":
            extras["new_spaces"] = 20
        return extras
    return {}


# ---------------------------------------------------------------- steps


def vote_payload(
    now: datetime,
    *,
    participating_area: str = "18000.00",
    participating_owners: int = 240,
    approving_area: str = "15000.00",
    approving_owners: int = 200,
    base_area: str = AFFECTED_AREA,
    base_owners: int = AFFECTED_OWNERS,
) -> dict[str, Any]:
    """An owners' vote held two days ago after an 18-day notice; by default it passes."""
    return {
        "vote_notice_date": _day(now, -20),
        "vote_meeting_date": _day(now, -2),
        "base_area": base_area,
        "base_owners": base_owners,
        "participating_area": participating_area,
        "participating_owners": participating_owners,
        "approving_area": approving_area,
        "approving_owners": approving_owners,
    }


def study_payload(
    matter_type: str,
    now: datetime,
    *,
    expected: int = 9,
    present: int = 8,
    votes_for: int = 7,
    votes_against: int = 1,
    votes_abstain: int = 0,
) -> dict[str, Any]:
    """The collective-study record; the members' assembly where the matter requires it."""
    meeting = (
        MeetingType.MEMBERS_ASSEMBLY
        if catalogue.matter(matter_type).requires_members_assembly
        else MeetingType.BRANCH_COMMITTEE
    )
    return {
        "meeting_type": meeting.value,
        "study_meeting_date": _day(now, 0),
        "members_expected": expected,
        "members_present": present,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "votes_abstain": votes_abstain,
        "opinions": "经集体研究，方案符合法律法规和小区实际。",
    }


def _candidate(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "unit": "3号楼1单元",
        "is_owner": True,
        "has_fee_arrears": False,
        "is_party_member": True,
    }


def step_payload(
    matter_type: str,
    task: str,
    now: datetime,
    *,
    sub_type: str | None = None,
    choice: str = "",
) -> dict[str, Any]:
    """Valid data for step ``task`` of a scenario.

    ``choice`` picks the branch where the step decides one: acceptance_check
    "accept"/"return", written_reply "agree"/"agree_with_conditions"/"disagree",
    owners_vote "pass"/"fail", oversight_review "compliant"/"rectify".
    """
    request = filing_payload(matter_type, now, sub_type)["request"]
    today = _day(now, 0)
    if task == "acceptance_check":
        if choice == "return":
            return {
                "acceptance_decision": "return",
                "acceptance_reasons": "请补充实施方案的具体内容。",
            }
        return {"acceptance_decision": "accept"}
    if task == "supplement":
        return {
            "supplement_note": "已补充实施方案。",
            "updated_fields": {"plan": "实施方案：分三个阶段实施，详见附件。"},
        }
    if task == "collective_study":
        return study_payload(matter_type, now)
    if task == "written_reply":
        decision = choice or "agree"
        reply: dict[str, Any] = {"reply_decision": decision, "reply_reasons": "经集体研究决定。"}
        if decision == "agree_with_conditions":
            reply["reply_conditions"] = "实施前须向全体业主公示方案。"
        return reply
    if task == "owners_vote":
        if choice == "fail":
            return vote_payload(now, approving_area="6000.00", approving_owners=60)
        return vote_payload(now)
    if task == "implementation_report":
        return {
            "summary": "已按批复意见实施完毕。",
            "evidence": [attachment("实施情况.pdf")],
            "done_on": today,
        }
    if task == "oversight_review":
        if choice == "rectify":
            return {
                "oversight_result": "rectify",
                "oversight_findings": "公示材料不完整。",
                "rectification_deadline": _day(now, 10),
            }
        return {"oversight_result": "compliant"}
    if task == "rectification":
        return {
            "summary": "已补充公示材料。",
            "evidence": [attachment("整改情况.pdf")],
            "done_on": today,
        }
    if task.startswith("supervise_"):
        return {"supervision_note": "已督促社区党组织尽快办理。"}
    return _matter_step(task, now, request)


def _matter_step(task: str, now: datetime, request: Mapping[str, Any]) -> dict[str, Any]:
    """Data of the matters' own steps (domain.md §5)."""
    today = _day(now, 0)
    steps: dict[str, dict[str, Any]] = {
        "preparatory_group": {
            "application_received_on": _day(now, -40),
            "formed_on": _day(now, -30),
            "street_leader": "和平街道 王主任",
            "group_size": 7,
            "owner_members": 4,
            "published_documents": ["owner_list", "draft_covenant", "draft_rules", "candidates"],
            "documents_published_on": _day(now, -25),
            "first_meeting_date": _day(now, -2),
        },
        "committee_formation": {
            "committee_members": 7,
            "party_members": 4,
            "term_years": 5,
            "committee_first_meeting_date": _day(now, -1),
            "filing_date": today,
        },
        "candidate_vetting": {
            "candidates": [_candidate("张明"), _candidate("李华"), _candidate("王芳")],
            "vetting_opinion": "候选人均为本小区业主，无欠缴费用，符合条件。",
        },
        "handover_and_filing": {
            "committee_members": 7,
            "party_members": 4,
            "archives_handed_over": True,
            "seals_handed_over": True,
            "handover_date": _day(now, -1),
            "filing_date": today,
        },
        "firm_selection": {
            "firm_name": "红旗物业服务有限公司",
            "firm_credit_code": "91110105MA01ABCD1X",
            "firm_standing": "red",
            "selected_on": _day(now, -1),
            "selection_record": "公开招标，三家企业投标，红旗物业中标。",
        },
        "contract_and_handover": {
            "contract_signed_on": today,
            "signed_by_committee": True,
            "service_start_date": _day(now, 30),
            "handover_inspection_done": True,
            "handover_inspection_date": today,
            "inspection_records": [attachment("承接查验记录.pdf")],
        },
        "handover_checklist": {
            "rooms_handed_over": True,
            "facilities_handed_over": True,
            "records_handed_over": True,
            "handover_date": today,
            "successor_name": "红旗物业服务有限公司",
            "successor_took_over_on": today,
            "old_firm_left_on": today,
        },
        "works_acceptance": {
            "accepted_on": _day(now, -1),
            "works_passed": True,
            "acceptance_participants": "业主委员会、物业服务企业、施工单位、监理单位",
            "evidence": [attachment("竣工验收报告.pdf")],
        },
        "fund_payment": {
            "payment_amount": request.get("budget", "0.00"),
            "applied_on": _day(now, -1),
            "reviewed_on": _day(now, -1),
            "transferred_on": today,
            "evidence": [attachment("划转凭证.pdf")],
        },
        "emergency_acknowledgement": {
            "acknowledgement_note": "已知悉，请立即组织抢修并做好安全防护。",
            "site_inspected": True,
        },
        "cost_report": {
            "actual_cost": "36800.00",
            "cost_breakdown": "更换曳引机主板及门机系统，人工及材料费用。",
            "completed_on": today,
            "evidence": [attachment("费用凭证.pdf")],
        },
        "income_publication": _income_publication(now),
        "cost_publication": {
            "cost_justification": "人工、能耗和维修成本上涨，测算后单价为2.20元。",
            "published_on": _day(now, -21),
            "published_where": "小区公告栏及业主微信群",
        },
        "contract_terms": {
            "new_fee": request.get("proposed_fee", "0.00"),
            "effective_date": _day(now, 30),
            "amended_on": today,
        },
        "allocation_plan_publication": {
            "allocation_plan": "按业主登记顺序摇号分配，每户限一个车位。",
            "owners_first": True,
            "published_on": _day(now, -21),
        },
        "allocation_result": {
            "allocated_to_owners": 15,
            "leased_to_non_owners": 0,
            "owners_still_waiting": 0,
            "result_published_on": today,
        },
    }
    return steps[task]


def _income_publication(now: datetime) -> dict[str, Any]:
    """Last year's income, published by 31 March for at least 30 days."""
    today = _today(now)
    published = min(today, date(today.year, 3, 31))
    return {
        "income_year": today.year - 1,
        "income_amount": "56000.00",
        "spent_amount": "20000.00",
        "published_on": published.isoformat(),
        "publication_end": (published + timedelta(days=30)).isoformat(),
        "published_where": "小区公告栏",
    }


# ---------------------------------------------------------------- driving cases


def open_task(service: CaseService, case_id: int) -> HumanTask | None:
    """The case's oldest open task, or None when nothing waits."""
    with service.sessions() as session:
        return session.scalar(
            select(HumanTask)
            .where(HumanTask.case_id == case_id, HumanTask.status == "open")
            .order_by(HumanTask.id)
            .limit(1)
        )


def worker_for(session: Session, task: HumanTask) -> str:
    """The demo user who works ``task``: the filer for the applicant lane, else by lane."""
    if task.role != "applicant":
        return LANE_USERS[task.role]
    return session.scalar(
        select(User.username).join(Case, Case.filed_by == User.id).where(Case.id == task.case_id)
    )


def complete_step(service: CaseService, case_id: int, task: str, payload: Mapping[str, Any]) -> int:
    """Complete the open ``task`` of a case as the user whose inbox shows it."""
    with service.sessions() as session:
        row = session.scalar(
            select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.bpmn_id == task, HumanTask.status == "open"
            )
        )
        if row is None:
            raise LookupError(f"case {case_id} has no open task {task}")
        username = worker_for(session, row)
        actor = service.actor(session, username)
        if not may_work_task(actor, row, row.case):
            raise LookupError(f"task {task} of case {case_id} is not {username}'s to work")
    return service.complete_task(actor, row.id, payload)


def has_owners_vote(matter_type: str, sub_type: str | None = None) -> bool:
    """Whether the scenario's path holds an owners' vote (a firm leaving on its own has none)."""
    if matter_type == "firm_exit" and variant_of(matter_type, sub_type) == "firm":
        return False
    return catalogue.matter(matter_type).has_owners_vote


def _choice(path: str, task: str, done: set[str]) -> str:
    """The branch ``path`` takes at ``task``, given the steps ``done`` so far."""
    if path == "return_once" and task not in done:
        return {"acceptance_check": "return", "oversight_review": "rectify"}.get(task, "")
    if path == "reject" and task == "written_reply":
        return "disagree"
    if path == "vote_fail" and task == "owners_vote":
        return "fail"
    return ""


def drive(
    service: CaseService,
    matter_type: str,
    *,
    path: str = "close",
    sub_type: str | None = None,
    stop_before: str | None = None,
) -> int:
    """File a scenario case and work it to the end of ``path``; returns the case id.

    Paths: "close" (every step agreed, the vote passes), "reject" (the written reply
    disagrees), "vote_fail" (the owners' vote fails), "return_once" (returned for
    additions once and sent back for rectification once, then closed). With
    ``stop_before`` the case is left with that step open. For firm_exit ``sub_type``
    names the initiator ("owners" or "firm").
    """
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}")
    if path == "vote_fail" and not has_owners_vote(matter_type, sub_type):
        raise ValueError(f"{matter_type} {sub_type or ''} has no owners' vote to fail")
    now = service.clock.now()
    username, _estate = applicant_for(matter_type, sub_type)
    with service.sessions() as session:
        applicant = service.actor(session, username)
    case_id = service.file_case(applicant, filing_payload(matter_type, now, sub_type))
    done: set[str] = set()
    while (task := open_task(service, case_id)) is not None:
        if task.bpmn_id == stop_before:
            return case_id
        payload = step_payload(
            matter_type,
            task.bpmn_id,
            service.clock.now(),
            sub_type=sub_type,
            choice=_choice(path, task.bpmn_id, done),
        )
        complete_step(service, case_id, task.bpmn_id, payload)
        done.add(task.bpmn_id)
    if stop_before is not None:
        raise ValueError(f"case {case_id} ended without reaching {stop_before}")
    return case_id


def load_demo_cases(service: CaseService) -> list[int]:
    """A handful of demo cases at different points, unless the database has cases already."""
    with service.sessions() as session:
        if session.scalar(select(func.count()).select_from(Case)):
            return []
    return [
        drive(service, "firm_entry", stop_before="acceptance_check"),
        drive(service, "fund_normal", stop_before="collective_study"),
        drive(service, "assembly_formation", stop_before="owners_vote"),
        drive(service, "fee_adjustment", path="close"),
        drive(service, "parking_allocation", path="reject"),
        drive(service, "fund_emergency", stop_before="emergency_acknowledgement"),
    ]
