"""The case service refuses bad input and wrong users, and changes nothing when it does.

Also: one winner when two people complete the same task, and deadline timers that act
once however often the worker runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import Case, CaseEvent, CaseState, HumanTask, WrittenReply
from service.demo.cases import complete_step, drive, filing_payload, open_task, step_payload
from service.history.chain import ENGINE_EVENTS
from service.history.replay import verify_all
from service.tasks.inbox import open_tasks_for
from workflows.work_calendar import SHANGHAI

ACCEPT = {"acceptance_decision": "accept"}


@pytest.fixture(autouse=True)
def every_case_verifies(service: CaseService) -> Iterator[None]:
    yield
    with service.sessions() as session:
        results = verify_all(session)
    assert all(r.ok for r in results), [r.as_dict() for r in results if not r.ok]


def _actor(service: CaseService, username: str):
    with service.sessions() as session:
        return service.actor(session, username)


def _row_counts(service: CaseService) -> dict[str, int]:
    with service.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseState, CaseEvent, HumanTask, WrittenReply)
        }


def _snapshot(service: CaseService, case_id: int) -> tuple[Any, ...]:
    """Everything a step may change: the case row, its state, events and task rows."""
    with service.sessions() as session:
        case = session.get(Case, case_id)
        return (
            case.revision,
            case.state_digest,
            case.status,
            session.get(CaseState, case_id).state,
            [(e.seq, e.hash) for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))],
            [
                (t.id, t.status, t.completed_by)
                for t in session.scalars(select(HumanTask).order_by(HumanTask.id))
            ],
            session.scalar(select(func.count()).select_from(WrittenReply)),
        )


def _task_id(service: CaseService, case_id: int) -> int:
    return open_task(service, case_id).id


# ---------------------------------------------------------------- filing


def _filing(**request_changes: Any) -> dict[str, Any]:
    payload = filing_payload("firm_entry", datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    request = {**payload["request"], **request_changes}
    return {**payload, "request": {k: v for k, v in request.items() if v is not None}}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (_filing(title=None, affected_area="12.345"), {"title", "affected_area"}),
        (
            _filing(affected_owners=0, selection_method="lottery"),
            {"affected_owners", "selection_method"},
        ),
        (_filing(committee_members_agreeing=3), {"committee_members_agreeing"}),
        (_filing(attachments=[{"name": "x.pdf", "sha256": "xyz"}]), {"attachments.0.sha256"}),
        (_filing(unknown_field="x"), {"unknown_field"}),
        (_filing(applicant_kind="property_firm"), {"applicant_kind"}),
        ({**_filing(), "matter_type": "moon_landing"}, {"matter_type"}),
        ({**_filing(), "estate": "E99"}, {"estate"}),
        ({**_filing(), "request": ["not", "a", "form"]}, {"request"}),
        ({**_filing(), "request": None}, {"request"}),
    ],
)
def test_bad_filing_names_the_fields_and_leaves_nothing(
    service: CaseService, payload: dict[str, Any], fields: set[str]
) -> None:
    before = _row_counts(service)
    with pytest.raises(InvalidInput) as raised:
        service.file_case(_actor(service, "committee"), payload)
    assert set(raised.value.messages) == fields
    assert all(raised.value.messages.values())
    assert _row_counts(service) == before == dict.fromkeys(before, 0)


@pytest.mark.parametrize(
    ("username", "matter_type", "estate"),
    [
        ("committee", "firm_entry", "E02"),  # not the estate the committee represents
        ("firm", "assembly_formation", "E01"),  # a firm cannot ask to form the assembly
        ("secretary", "firm_entry", "E01"),  # the party organization does not file
        ("admin", "firm_entry", "E01"),
    ],
)
def test_filing_for_a_body_one_does_not_represent_is_forbidden(
    service: CaseService, username: str, matter_type: str, estate: str
) -> None:
    payload = {**filing_payload(matter_type, service.clock.now()), "estate": estate}
    with pytest.raises(Forbidden):
        service.file_case(_actor(service, username), payload)
    assert _row_counts(service) == dict.fromkeys(_row_counts(service), 0)


def test_unknown_user_is_not_found(service: CaseService) -> None:
    with pytest.raises(NotFound):
        _actor(service, "nobody")


# ---------------------------------------------------------------- completing


@pytest.mark.parametrize(
    ("step", "payload", "fields"),
    [
        ("acceptance_check", {"acceptance_decision": "maybe"}, {"acceptance_decision"}),
        ("acceptance_check", {"acceptance_decision": "return"}, {"acceptance_reasons"}),
        ("acceptance_check", {**ACCEPT, "extra": 1}, {"extra"}),
        ("acceptance_check", ["accept"], {"request"}),
        ("collective_study", {}, None),
        ("written_reply", {"reply_decision": "agree_with_conditions"}, None),
        ("owners_vote", {"vote_notice_date": "2026-03-01"}, None),
    ],
)
def test_bad_step_data_changes_nothing(
    service: CaseService, step: str, payload: Any, fields: set[str] | None
) -> None:
    case_id = drive(service, "firm_entry", stop_before=step)
    before = _snapshot(service, case_id)
    with pytest.raises(InvalidInput) as raised:
        complete_step(service, case_id, step, payload)
    if fields is not None:
        assert set(raised.value.messages) == fields
    assert all(raised.value.messages.values())
    assert _snapshot(service, case_id) == before


def test_a_bad_supplement_changes_nothing(service: CaseService) -> None:
    case_id = drive(service, "fund_normal", stop_before="acceptance_check")
    now = service.clock.now()
    complete_step(
        service,
        case_id,
        "acceptance_check",
        step_payload("fund_normal", "acceptance_check", now, choice="return"),
    )
    before = _snapshot(service, case_id)
    with pytest.raises(InvalidInput) as raised:
        complete_step(
            service,
            case_id,
            "supplement",
            {"supplement_note": "提高预算", "updated_fields": {"budget": "999999.00"}},
        )
    assert set(raised.value.messages) == {"updated_fields.budget"}
    assert _snapshot(service, case_id) == before


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("secretary2", NotFound),  # another community: the case is out of scope
        ("committee4", NotFound),  # an applicant of another estate
        ("firm", NotFound),  # same estate, but another applicant's case
        ("committee", Forbidden),  # the applicant may read the case, not accept it
        ("member", Forbidden),  # a committee member does not run the acceptance check
        ("street", Forbidden),
        ("auditor", Forbidden),
    ],
)
def test_wrong_user_is_refused(service: CaseService, username: str, error: type) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    task_id = _task_id(service, case_id)
    before = _snapshot(service, case_id)
    actor = _actor(service, username)
    with pytest.raises(error):
        service.complete_task(actor, task_id, ACCEPT)
    with service.sessions() as session:
        assert task_id not in {t.id for t in open_tasks_for(session, actor)}
    assert _snapshot(service, case_id) == before


def test_unknown_task_is_not_found(service: CaseService) -> None:
    with pytest.raises(NotFound):
        service.complete_task(_actor(service, "secretary"), 999_999, ACCEPT)


def test_the_secretary_may_record_the_committees_study(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="collective_study")
    payload = step_payload("firm_entry", "collective_study", service.clock.now())
    service.complete_task(_actor(service, "secretary"), _task_id(service, case_id), payload)
    assert open_task(service, case_id).bpmn_id == "written_reply"


def test_completing_a_completed_task_is_a_conflict(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    task_id = _task_id(service, case_id)
    secretary = _actor(service, "secretary")
    assert service.complete_task(secretary, task_id, ACCEPT) == 1
    before = _snapshot(service, case_id)
    with pytest.raises(Conflict):
        service.complete_task(secretary, task_id, ACCEPT)
    assert _snapshot(service, case_id) == before


def test_stale_revision_is_a_conflict(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="collective_study")
    task_id = _task_id(service, case_id)
    payload = step_payload("firm_entry", "collective_study", service.clock.now())
    member = _actor(service, "member")
    before = _snapshot(service, case_id)
    with pytest.raises(Conflict):
        service.complete_task(member, task_id, payload, expected_revision=0)
    assert _snapshot(service, case_id) == before
    assert service.complete_task(member, task_id, payload, expected_revision=1) == 2


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same instant; results or raised errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # the error is the result under test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_simultaneous_completions_have_one_winner(
    service: CaseService, db_engine: Engine
) -> None:
    """Row lock on PostgreSQL, the revision check on SQLite: exactly one of two wins."""
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    task_id = _task_id(service, case_id)
    secretary = _actor(service, "secretary")
    results = _race([lambda: service.complete_task(secretary, task_id, ACCEPT)] * 2)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    with service.sessions() as session:
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.seq))]
        assert kinds == ["case_filed", "task_completed"]
        assert session.get(Case, case_id).revision == 1
        task = session.get(HumanTask, task_id)
        assert task.status == "completed" and task.completed_by == secretary.user_id


def test_simultaneous_written_replies_get_distinct_numbers(service: CaseService) -> None:
    """Two cases of one community replied to at once: one number each, no duplicates."""
    cases = [drive(service, "fee_adjustment", stop_before="written_reply") for _ in range(2)]
    secretary = _actor(service, "secretary")
    payload = step_payload("fee_adjustment", "written_reply", service.clock.now())
    tasks = [_task_id(service, c) for c in cases]
    results = _race([lambda t=t: service.complete_task(secretary, t, payload) for t in tasks])
    winners = [r for r in results if isinstance(r, int)]
    assert winners and all(isinstance(r, (int, Conflict)) for r in results), results
    with service.sessions() as session:
        numbers = list(session.scalars(select(WrittenReply.document_number)))
    assert len(numbers) == len(set(numbers)) == len(winners)


# ---------------------------------------------------------------- timers


def test_overdue_acceptance_goes_to_the_street_once(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    task = open_task(service, case_id)
    # Filed Monday 2026-03-02: three working days end at 24:00 on Thursday 03-05.
    deadline = datetime(2026, 3, 6, 0, 0, tzinfo=SHANGHAI)
    assert task.due_at == deadline
    assert _case_of(service, case_id).next_timer_due == deadline
    clock.set(datetime(2026, 3, 5, 23, 59, tzinfo=SHANGHAI))
    assert service.run_due_timers() == 0
    clock.set(deadline)
    assert service.run_due_timers() == 1
    assert service.run_due_timers() == 0
    street = _actor(service, "street")
    with service.sessions() as session:
        inbox = [(t.case_id, t.bpmn_id) for t in open_tasks_for(session, street)]
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.seq))]
    assert inbox == [(case_id, "supervise_acceptance_check")]
    assert [k for k in kinds if k in ENGINE_EVENTS] == ["case_filed", "timers_fired"]
    open_steps = {t.bpmn_id for t in _open_tasks(service, case_id)}
    assert open_steps == {"acceptance_check", "supervise_acceptance_check"}
    clock.advance(hours=2)
    complete_step(
        service,
        case_id,
        "supervise_acceptance_check",
        step_payload("firm_entry", "supervise_acceptance_check", clock.now()),
    )
    complete_step(service, case_id, "acceptance_check", ACCEPT)
    assert {t.bpmn_id for t in _open_tasks(service, case_id)} == {"collective_study"}


def test_other_communities_street_does_not_see_the_supervision(
    service: CaseService, clock: FixedClock
) -> None:
    drive(service, "firm_entry", stop_before="acceptance_check")
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI))
    assert service.run_due_timers() == 1
    with service.sessions() as session:
        assert open_tasks_for(session, _actor(service, "street2")) == []


def _case_of(service: CaseService, case_id: int) -> Case:
    with service.sessions() as session:
        return session.get(Case, case_id)


def _open_tasks(service: CaseService, case_id: int) -> list[HumanTask]:
    with service.sessions() as session:
        return list(
            session.scalars(
                select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "open")
            )
        )
