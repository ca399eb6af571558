"""Scenario library: a valid request and valid step data for every matter type, and a driver.

The demo data, the tests and the benchmarks share it, so every matter type is known to
go end to end with data that passes its forms. Each matter module holds its own demo
data (``MATTER.demo``: who files, the filing, the data of its own steps, its variants);
this module adds the shared steps' data and resolves dates against the service's clock
(recorded facts lie in the past, plans in the future), so the scenarios stay valid on
any day. ``drive`` files a case as the demo applicant and works it through the service
layer, each step done by the demo user whose inbox shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.core.clock import Clock
from service.core.models import Case, HumanTask, User
from service.people.access import may_work_task
from workflows import catalogue
from workflows.collective_study import MeetingType
from workflows.demo_values import RelativeDay, attachment, resolve
from workflows.formkit.fields import Day
from workflows.formkit.time_limits import NOTICE_DAYS
from workflows.lifecycle import OWNERS_VOTE, PRIOR_APPROVAL_STEPS
from workflows.matters import Variant
from workflows.work_calendar import SHANGHAI

PATHS = ("close", "reject", "vote_fail", "return_once")

# The party and street users of community C01 / street S01, where E01 and E02 lie.
LANE_USERS = {"party_secretary": "secretary", "party_committee": "member", "street": "street"}

AFFECTED_AREA = "24000.00"
AFFECTED_OWNERS = 300


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _day(now: datetime, offset: int) -> str:
    return (_today(now) + timedelta(days=offset)).isoformat()


def variants(matter_type: str) -> list[str | None]:
    """The variants a matter's scenarios run (sub-types, or firm_exit's initiators); [None]
    for a matter that has none."""
    return [v.key for v in catalogue.matter(matter_type).demo.variants] or [None]


def variant_of(matter_type: str, sub_type: str | None = None) -> str:
    """The sub-type (for firm_exit: the initiator) a scenario uses; "" when there is none."""
    if sub_type is not None:
        return sub_type
    demo = catalogue.matter(matter_type).demo
    return demo.variants[0].key if demo.variants else ""


def _variant(matter_type: str, sub_type: str | None) -> Variant | None:
    key = variant_of(matter_type, sub_type)
    for variant in catalogue.matter(matter_type).demo.variants:
        if variant.key == key:
            return variant
    if key:
        raise ValueError(f"{matter_type} has no scenario variant {key!r}")
    return None


def sub_type_of(matter_type: str, sub_type: str | None = None) -> str:
    """The sub-type the scenario's filing carries: its variant when that is a sub-type."""
    key = variant_of(matter_type, sub_type)
    return key if key in catalogue.matter(matter_type).sub_types else ""


def applicant_for(matter_type: str, sub_type: str | None = None) -> tuple[str, str]:
    """(username, estate code) of the demo applicant who files this matter."""
    variant = _variant(matter_type, sub_type)
    if variant is not None and variant.applicant is not None:
        return variant.applicant
    return catalogue.matter(matter_type).demo.applicant


# ---------------------------------------------------------------- filing


def filing_payload(matter_type: str, now: datetime, sub_type: str | None = None) -> dict[str, Any]:
    """A valid filing for ``service.file_case`` as the demo applicant of ``applicant_for``.

    For firm_exit ``sub_type`` names the initiator ("owners" or "firm").
    """
    matter = catalogue.matter(matter_type)
    variant = _variant(matter_type, sub_type)
    username, estate = applicant_for(matter_type, sub_type)
    request: dict[str, Any] = {
        "title": f"关于{matter.name}的请示",
        "reasons": "经业主反映和实地调查，需要办理本事项。",
        "legal_basis": matter.legal_basis,
        "plan": "详见附件实施方案。",
        "affected_area": AFFECTED_AREA,
        "affected_owners": AFFECTED_OWNERS,
        "attachments": [attachment("实施方案.pdf")],
    }
    if username == "committee":
        request.update(
            committee_members_total=7, committee_members_present=6, committee_members_agreeing=5
        )
    if matter.sub_types:
        request["sub_type"] = sub_type_of(matter_type, sub_type)
    request.update(resolve(matter.demo.filing, now, {}))
    if variant is not None:
        request.update(resolve(variant.filing, now, {}))
    return {"matter_type": matter_type, "estate": estate, "request": request}


# ---------------------------------------------------------------- steps


# An owners' vote is noticed this many days before it is recorded and held the day before:
# the 15 clear days between notice and meeting (物业管理条例 art 14) and the meeting itself.
VOTE_NOTICE_LEAD = NOTICE_DAYS + 2


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
    """An owners' vote held yesterday, noticed ``VOTE_NOTICE_LEAD`` days ago (so 15 clear
    days lie between); by default it passes. The case's last recorded day must not be
    later than the notice: ``step_lead`` says how long before the vote that was."""
    return {
        "vote_notice_date": _day(now, -VOTE_NOTICE_LEAD),
        "vote_meeting_date": _day(now, -1),
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
    return _matter_step(matter_type, task, now, request)


def _matter_step(
    matter_type: str, task: str, now: datetime, request: Mapping[str, Any]
) -> dict[str, Any]:
    """Data of the matter's own steps (domain.md §5), from its module."""
    data: dict[str, Any] = resolve(catalogue.matter(matter_type).demo.steps[task], now, request)
    return data


# ---------------------------------------------------------------- the scenario's time


def step_lead(matter_type: str, task: str) -> int:
    """Days the scenario's data of ``task`` reaches back: the step is done that many days
    after the one before it, so none of its dates precedes what the case recorded."""
    if task == OWNERS_VOTE:
        return VOTE_NOTICE_LEAD
    steps = {step.id: step for step in catalogue.matter(matter_type).matter_steps}
    if task not in steps or steps[task].form is None:
        return 0
    fields = steps[task].form().fields
    offsets = [
        value.offset
        for name, value in catalogue.matter(matter_type).demo.steps[task].items()
        if isinstance(value, RelativeDay)
        and isinstance(fields.get(name), Day)
        and fields[name].follows_case
    ]
    return max([0, *(-offset for offset in offsets)])


def case_lead(matter_type: str, path: str, sub_type: str | None, stop_before: str | None) -> int:
    """Days before now a scenario case is filed and approved: the leads of the steps it
    goes through after the reply (and of the step it stops before), so its last step is
    dated today and each step after the one it follows."""
    if path == "reject" or stop_before in PRIOR_APPROVAL_STEPS:
        return 0
    matter = catalogue.matter(matter_type)
    if stop_before in matter.before_approval:
        return 0
    total = 0
    for step in matter.matter_steps:
        if step.before_approval or (
            step.id == OWNERS_VOTE and not has_owners_vote(matter_type, sub_type)
        ):
            continue
        total += step_lead(matter_type, step.id)
        if step.id == stop_before or (path == "vote_fail" and step.id == OWNERS_VOTE):
            break
    return total


class _ScenarioClock(Clock):
    """The service's clock held ``lag`` behind, so a scenario case can be filed in the
    past and its steps done as time moves on to now."""

    def __init__(self, clock: Clock, lag: timedelta) -> None:
        self.clock = clock
        self.lag = lag

    def now(self) -> datetime:
        return self.clock.now() - self.lag


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
    variant = _variant(matter_type, sub_type)
    if variant is not None and not variant.owners_vote:
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
    before_step: Callable[[CaseService, HumanTask, dict[str, Any]], None] | None = None,
) -> int:
    """File a scenario case and work it to the end of ``path``; returns the case id.

    Paths: "close" (every step agreed, the vote passes), "reject" (the written reply
    disagrees), "vote_fail" (the owners' vote fails), "return_once" (returned for
    additions once and sent back for rectification once, then closed). With
    ``stop_before`` the case is left with that step open. For firm_exit ``sub_type``
    names the initiator ("owners" or "firm"). ``before_step`` is shown each open task
    with the scenario's service (its clock at the step's time) and the step's valid data
    before the step is done, so a test can send variations of it first; if it completed
    the task itself, the case goes on from there.
    """
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}")
    if path == "vote_fail" and not has_owners_vote(matter_type, sub_type):
        raise ValueError(f"{matter_type} {sub_type or ''} has no owners' vote to fail")
    clock = _ScenarioClock(
        service.clock, timedelta(days=case_lead(matter_type, path, sub_type, stop_before))
    )
    scenario = CaseService(service.sessions, clock)
    username, _estate = applicant_for(matter_type, sub_type)
    with service.sessions() as session:
        applicant = service.actor(session, username)
    case_id = scenario.file_case(applicant, filing_payload(matter_type, clock.now(), sub_type))
    done: set[str] = set()
    while (task := open_task(service, case_id)) is not None:
        if task.bpmn_id == stop_before:
            return case_id
        if task.bpmn_id in catalogue.matter(matter_type).after_approval:
            clock.lag -= timedelta(days=step_lead(matter_type, task.bpmn_id))
        payload = step_payload(
            matter_type,
            task.bpmn_id,
            clock.now(),
            sub_type=sub_type,
            choice=_choice(path, task.bpmn_id, done),
        )
        done.add(task.bpmn_id)
        if before_step is not None:
            before_step(scenario, task, payload)
            still = open_task(service, case_id)
            if still is None or still.id != task.id:
                continue
        complete_step(scenario, case_id, task.bpmn_id, payload)
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
        drive(service, "fund_replenishment", stop_before="fund_collection"),
    ]
