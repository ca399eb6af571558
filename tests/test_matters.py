"""Every matter type end to end through the case service, on SQLite and PostgreSQL.

Each case is filed and worked by the demo users whose inbox shows each step (see
service/demo/cases.py), and every case a test creates must replay and verify.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.core.errors import InvalidInput
from service.core.models import Case, CaseEvent, CaseState, HumanTask, User, WrittenReply
from service.demo.cases import (
    LANE_USERS,
    applicant_for,
    complete_step,
    drive,
    has_owners_vote,
    open_task,
    step_payload,
    study_payload,
    sub_type_of,
    variants,
    vote_payload,
)
from service.history.chain import events_of
from service.history.replay import verify_all
from workflows.catalogue import MATTERS
from workflows.engine.case_engine import CaseEngine
from workflows.engine.script_engine import CaseScriptEngine

PRIOR = ("acceptance_check", "collective_study", "written_reply")
OVERSIGHT = ("implementation_report", "oversight_review")


def _closure(*matter_steps: str, before: tuple[str, ...] = ()) -> list[str]:
    """The steps of a path to closure: prior approval, the matter's steps, oversight."""
    return [*before, *PRIOR, *matter_steps, *OVERSIGHT]


# (matter type, sub-type or firm_exit initiator) → the steps of the path to closure, from
# the matter modules (workflows/matters/): a variant without a vote skips the matter's.
CLOSURE_STEPS: dict[tuple[str, str | None], list[str]] = {
    (code, variant): _closure(
        *(
            step
            for step in m.after_approval
            if step != "owners_vote" or has_owners_vote(code, variant)
        ),
        before=m.before_approval,
    )
    for code, m in MATTERS.items()
    for variant in variants(code)
}
VARIANTS = list(CLOSURE_STEPS)
VOTING = [v for v in VARIANTS if has_owners_vote(*v)]
# The first variant of each matter type, for paths its sub-type does not change.
PER_MATTER = [
    next(v for v in VARIANTS if v[0] == code) for code in dict.fromkeys(m for m, _ in VARIANTS)
]

# What the DMN table decides for each voting variant: 民法典 278 item and rule, as the
# matter module states it.
VOTE_RULES: dict[tuple[str, str | None], tuple[str, str]] = {
    variant: MATTERS[variant[0]].vote_rules[sub_type_of(*variant)] for variant in VOTING
}
THREE_QUARTERS = [v for v, (_, rule) in VOTE_RULES.items() if rule == "three_quarters"]
# A failed vote for each matter type, and for each sub-type with a vote rule of its own.
VOTE_FAILS = [v for v in VOTING if v in PER_MATTER or v in THREE_QUARTERS]
REPLY_NUMBER = re.compile(r"幸福社区党委批〔2026〕\d+号")


def _id(variant: tuple[str, str | None]) -> str:
    return "-".join(part for part in variant if part)


@pytest.fixture(autouse=True)
def every_case_verifies(service: CaseService) -> Iterator[None]:
    """After each test, every case it created replays and verifies."""
    yield
    with service.sessions() as session:
        results = verify_all(session)
    assert all(r.ok for r in results), [r.as_dict() for r in results if not r.ok]


def _case(service: CaseService, case_id: int) -> Case:
    with service.sessions() as session:
        return session.get(Case, case_id)


def _tasks(service: CaseService, case_id: int) -> list[HumanTask]:
    with service.sessions() as session:
        return list(
            session.scalars(
                select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
            )
        )


def _events(service: CaseService, case_id: int) -> list[CaseEvent]:
    with service.sessions() as session:
        return events_of(session, case_id)


def _step_data(service: CaseService, case_id: int, task: str) -> list[dict[str, Any]]:
    return [e.data["data"] for e in _events(service, case_id) if e.task_bpmn_id == task]


def _user_ids(service: CaseService) -> dict[str, int]:
    with service.sessions() as session:
        return {u.username: u.id for u in session.scalars(select(User))}


def _revision(service: CaseService, case_id: int) -> int:
    return _case(service, case_id).revision


def _assert_worked_by_lane(service: CaseService, variant, tasks: list[HumanTask]) -> None:
    """Completed tasks keep who did them: the applicant or the lane's demo user."""
    users = _user_ids(service)
    applicant = users[applicant_for(*variant)[0]]
    for task in tasks:
        assert task.status == "completed" and task.completed_at is not None, task.bpmn_id
        expected = applicant if task.role == "applicant" else users[LANE_USERS[task.role]]
        assert task.completed_by == expected, task.bpmn_id


# ---------------------------------------------------------------- paths of every matter


@pytest.mark.parametrize("variant", VARIANTS, ids=_id)
def test_path_to_closure(service: CaseService, variant) -> None:
    case_id = drive(service, variant[0], sub_type=variant[1])
    case = _case(service, case_id)
    assert (case.status, case.outcome) == ("closed", "case_closed")
    assert case.closed_at is not None and case.current_step == ""
    tasks = _tasks(service, case_id)
    assert [t.bpmn_id for t in tasks] == CLOSURE_STEPS[variant]
    _assert_worked_by_lane(service, variant, tasks)
    events = _events(service, case_id)
    assert [e.kind for e in events] == ["case_filed"] + ["task_completed"] * len(tasks)
    assert case.revision == len(tasks)
    (reply,) = _step_data(service, case_id, "written_reply")
    assert REPLY_NUMBER.fullmatch(reply["reply_document_number"])
    with service.sessions() as session:
        row = session.scalar(select(WrittenReply).where(WrittenReply.case_id == case_id))
        assert (row.decision, row.document_number) == ("agree", reply["reply_document_number"])


@pytest.mark.parametrize("variant", PER_MATTER, ids=_id)
def test_return_and_resubmit(service: CaseService, variant) -> None:
    """Returned for additions once and sent back for rectification once, then closed."""
    case_id = drive(service, variant[0], sub_type=variant[1], path="return_once")
    case = _case(service, case_id)
    assert (case.status, case.outcome) == ("closed", "case_closed")
    steps = CLOSURE_STEPS[variant]
    first = steps.index("acceptance_check")
    expected = [
        *steps[:first],
        "acceptance_check",
        "supplement",
        *steps[first:],
        "rectification",
        "oversight_review",
    ]
    tasks = _tasks(service, case_id)
    assert [t.bpmn_id for t in tasks] == expected
    _assert_worked_by_lane(service, variant, tasks)
    (supplement,) = _step_data(service, case_id, "supplement")
    assert supplement["request"]["plan"] == supplement["updated_fields"]["plan"]
    decisions = [d["acceptance_decision"] for d in _step_data(service, case_id, "acceptance_check")]
    assert decisions == ["return", "accept"]


@pytest.mark.parametrize("variant", PER_MATTER, ids=_id)
def test_disagree_ends_rejected(service: CaseService, variant) -> None:
    case_id = drive(service, variant[0], sub_type=variant[1], path="reject")
    case = _case(service, case_id)
    assert (case.status, case.outcome) == ("rejected", "case_rejected")
    tasks = _tasks(service, case_id)
    assert [t.bpmn_id for t in tasks] == CLOSURE_STEPS[variant][: len(tasks)]
    assert tasks[-1].bpmn_id == "written_reply"
    _assert_worked_by_lane(service, variant, tasks)
    with service.sessions() as session:
        row = session.scalar(select(WrittenReply).where(WrittenReply.case_id == case_id))
        assert row.decision == "disagree"


@pytest.mark.parametrize("variant", VOTE_FAILS, ids=_id)
def test_failed_owners_vote_ends_the_case(service: CaseService, variant) -> None:
    case_id = drive(service, variant[0], sub_type=variant[1], path="vote_fail")
    case = _case(service, case_id)
    assert (case.status, case.outcome) == ("vote_failed", "vote_failed")
    tasks = _tasks(service, case_id)
    assert tasks[-1].bpmn_id == "owners_vote"
    assert all(t.status == "completed" for t in tasks)
    (vote,) = _step_data(service, case_id, "owners_vote")
    assert vote["vote_passed"] is False and vote["vote_outcome"]["reasons"]


def test_matters_without_a_vote_cannot_fail_one(service: CaseService) -> None:
    assert set(VARIANTS) - set(VOTING) == {("fund_emergency", None), ("firm_exit", "firm")}
    with pytest.raises(ValueError):
        drive(service, "fund_emergency", path="vote_fail")


@pytest.mark.parametrize("variant", VOTING, ids=_id)
def test_vote_rule_comes_from_the_dmn_table(service: CaseService, variant) -> None:
    case_id = drive(service, variant[0], sub_type=variant[1], stop_before="owners_vote")
    with service.sessions() as session:
        case = session.get(Case, case_id)
        engine = CaseEngine(models_for(session, case.model_version))
        workflow = engine.load(
            session.get(CaseState, case_id).state,
            CaseScriptEngine(now=service.clock.now, functions={}),
            case.process_id,
        )
        seen = engine.task_data(workflow, "owners_vote")
    assert (seen["vote_item"], seen["vote_rule"]) == VOTE_RULES[variant]
    assert seen["sub_type"] == sub_type_of(*variant)


def test_acceptance_loop_runs_any_number_of_rounds(service: CaseService) -> None:
    case_id = drive(service, "fund_normal", stop_before="acceptance_check")
    now = service.clock.now()
    for _ in range(3):
        complete_step(
            service,
            case_id,
            "acceptance_check",
            step_payload("fund_normal", "acceptance_check", now, choice="return"),
        )
        complete_step(
            service, case_id, "supplement", step_payload("fund_normal", "supplement", now)
        )
    complete_step(service, case_id, "acceptance_check", {"acceptance_decision": "accept"})
    assert open_task(service, case_id).bpmn_id == "collective_study"
    assert [t.bpmn_id for t in _tasks(service, case_id)].count("supplement") == 3


# ---------------------------------------------------------------- fund_emergency: act first


def test_emergency_acts_first_and_reports_costs_after(service: CaseService) -> None:
    case_id = drive(service, "fund_emergency", stop_before="emergency_acknowledgement")
    (task,) = [t for t in _tasks(service, case_id) if t.status == "open"]
    assert (task.bpmn_id, task.role) == ("emergency_acknowledgement", "party_secretary")
    assert task.due_at == service.clock.now() + timedelta(hours=24)
    complete_step(
        service,
        case_id,
        "emergency_acknowledgement",
        step_payload("fund_emergency", "emergency_acknowledgement", service.clock.now()),
    )
    assert open_task(service, case_id).bpmn_id == "acceptance_check"


def test_emergency_acknowledgement_overdue_goes_to_the_street(service: CaseService, clock):
    case_id = drive(service, "fund_emergency", stop_before="emergency_acknowledgement")
    clock.advance(hours=23, minutes=59)
    assert service.run_due_timers() == 0
    clock.advance(minutes=1)
    assert service.run_due_timers() == 1
    open_ids = {t.bpmn_id: t.role for t in _tasks(service, case_id) if t.status == "open"}
    assert open_ids == {
        "emergency_acknowledgement": "party_secretary",
        "supervise_emergency_acknowledgement": "street",
    }
    complete_step(
        service,
        case_id,
        "supervise_emergency_acknowledgement",
        step_payload("fund_emergency", "supervise_emergency_acknowledgement", clock.now()),
    )
    complete_step(
        service,
        case_id,
        "emergency_acknowledgement",
        step_payload("fund_emergency", "emergency_acknowledgement", clock.now()),
    )
    assert open_task(service, case_id).bpmn_id == "acceptance_check"


# ---------------------------------------------------------------- owners' vote boundaries


def _vote(service: CaseService, variant, **tally: Any) -> Case:
    case_id = drive(service, variant[0], sub_type=variant[1], stop_before="owners_vote")
    complete_step(service, case_id, "owners_vote", vote_payload(service.clock.now(), **tally))
    return _case(service, case_id)


@pytest.mark.parametrize(
    ("area", "owners", "passes"),
    [
        ("16000.00", 200, True),  # exactly 2/3 of 24000.00 m² and of 300 owners
        ("15999.99", 200, False),  # one hundredth of a m² short
        ("16000.00", 199, False),  # one owner short
    ],
)
def test_participation_of_exactly_two_thirds_passes(service, area, owners, passes) -> None:
    case = _vote(
        service,
        ("firm_entry", None),
        participating_area=area,
        participating_owners=owners,
        approving_area=area,
        approving_owners=owners,
    )
    assert case.status == ("running" if passes else "vote_failed")
    if passes:
        assert open_task(service, case.id).bpmn_id == "contract_and_handover"


@pytest.mark.parametrize(
    ("area", "owners", "passes"),
    [
        ("9000.00", 200, False),  # exactly half of 18000.00 m² participating
        ("9000.01", 200, True),
        ("15000.00", 120, False),  # exactly half of 240 participating owners
        ("15000.00", 121, True),
    ],
)
def test_double_majority_of_exactly_half_fails(service, area, owners, passes) -> None:
    case = _vote(service, ("fee_adjustment", None), approving_area=area, approving_owners=owners)
    assert case.status == ("running" if passes else "vote_failed")


@pytest.mark.parametrize("variant", THREE_QUARTERS, ids=_id)
@pytest.mark.parametrize(
    ("area", "owners", "passes"),
    [
        ("13500.00", 180, True),  # exactly 3/4 of 18000.00 m² and of 240 owners
        ("13499.99", 180, False),
        ("13500.00", 179, False),
        ("12000.00", 160, False),  # a double majority is not enough for items 六–八
    ],
)
def test_three_quarters_of_exactly_three_quarters_passes(
    service, variant, area, owners, passes
) -> None:
    case = _vote(service, variant, approving_area=area, approving_owners=owners)
    assert case.status == ("running" if passes else "vote_failed")
    (vote,) = _step_data(service, case.id, "owners_vote")
    assert vote["vote_outcome"]["rule"] == "three_quarters"


def test_the_same_tally_passes_a_double_majority_item(service: CaseService) -> None:
    case = _vote(
        service, ("common_income", "spending"), approving_area="12000.00", approving_owners=160
    )
    assert case.status == "running"


def test_invalid_tally_is_refused_and_changes_nothing(service: CaseService) -> None:
    case_id = drive(service, "fund_normal", stop_before="owners_vote")
    before = _revision(service, case_id)
    with pytest.raises(InvalidInput) as raised:
        complete_step(
            service,
            case_id,
            "owners_vote",
            vote_payload(service.clock.now(), base_area="30000.00", approving_area="18000.01"),
        )
    assert {"base_area", "approving_area"} <= set(raised.value.messages)
    assert _revision(service, case_id) == before
    assert open_task(service, case_id).bpmn_id == "owners_vote"


# ---------------------------------------------------------------- collective study


def test_study_quorum_of_exactly_half_is_refused(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="collective_study")
    now = service.clock.now()
    before = (_revision(service, case_id), len(_events(service, case_id)))
    with pytest.raises(InvalidInput) as raised:
        complete_step(
            service,
            case_id,
            "collective_study",
            study_payload("firm_entry", now, expected=8, present=4, votes_for=4, votes_against=0),
        )
    assert set(raised.value.messages) == {"members_present"}
    assert (_revision(service, case_id), len(_events(service, case_id))) == before
    complete_step(
        service,
        case_id,
        "collective_study",
        study_payload("firm_entry", now, expected=8, present=5, votes_for=5, votes_against=0),
    )
    (study,) = _step_data(service, case_id, "collective_study")
    assert study["study_passed"] is True
    assert open_task(service, case_id).bpmn_id == "written_reply"


def test_study_approval_of_half_the_expected_forces_a_disagree(service: CaseService) -> None:
    case_id = drive(service, "common_income", stop_before="collective_study")
    now = service.clock.now()
    complete_step(
        service,
        case_id,
        "collective_study",
        # 5 of the 6 present agree, but that is exactly half of the 10 expected.
        study_payload("common_income", now, expected=10, present=6, votes_for=5),
    )
    (study,) = _step_data(service, case_id, "collective_study")
    assert study["study_passed"] is False and study["study_outcome"]["reasons"]
    for decision in ("agree", "agree_with_conditions"):
        with pytest.raises(InvalidInput) as raised:
            complete_step(
                service,
                case_id,
                "written_reply",
                step_payload("common_income", "written_reply", now, choice=decision),
            )
        assert "reply_decision" in raised.value.messages
    with service.sessions() as session:
        assert session.scalar(select(WrittenReply).where(WrittenReply.case_id == case_id)) is None
    complete_step(
        service,
        case_id,
        "written_reply",
        step_payload("common_income", "written_reply", now, choice="disagree"),
    )
    assert _case(service, case_id).status == "rejected"


def test_study_approval_above_half_the_expected_may_agree(service: CaseService) -> None:
    case_id = drive(service, "common_income", stop_before="collective_study")
    now = service.clock.now()
    complete_step(
        service,
        case_id,
        "collective_study",
        study_payload("common_income", now, expected=10, present=6, votes_for=6, votes_against=0),
    )
    complete_step(
        service,
        case_id,
        "written_reply",
        step_payload("common_income", "written_reply", now, choice="agree_with_conditions"),
    )
    assert open_task(service, case_id).bpmn_id == "owners_vote"


def test_members_assembly_required_for_elections(service: CaseService) -> None:
    case_id = drive(service, "committee_election", stop_before="collective_study")
    payload = {
        **study_payload("committee_election", service.clock.now()),
        "meeting_type": "branch_committee",
    }
    with pytest.raises(InvalidInput) as raised:
        complete_step(service, case_id, "collective_study", payload)
    assert set(raised.value.messages) == {"meeting_type"}
