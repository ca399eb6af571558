"""The street's 督办 of an overdue step: it closes itself when the step is done, and the
street can set a new deadline, record a 约谈, hand the step back and resolve it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import assert_problem, make_app, token_for
from flask import Flask
from sqlalchemy import select
from web_support import Client as PageClient

from service.cases.case_service import CaseService
from service.cases.reminders import send_due_reminders
from service.core.clock import FixedClock
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import Case, CaseEvent, HumanTask, Notification
from service.demo.cases import complete_step, drive, open_task, step_lead, step_payload
from service.history.replay import verify_all
from service.people.access import Actor
from service.tasks import street_powers
from workflows.work_calendar import SHANGHAI

ACCEPT = {"acceptance_decision": "accept"}
# Filed Monday 2026-03-02: three working days of acceptance end at 24:00 on Thursday.
ACCEPTANCE_DUE = datetime(2026, 3, 6, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def every_case_verifies(service: CaseService) -> Iterator[None]:
    yield
    with service.sessions() as session:
        results = verify_all(session)
    assert all(r.ok for r in results), [r.as_dict() for r in results if not r.ok]


def overdue_acceptance(service: CaseService, clock: FixedClock) -> int:
    """A firm entry whose acceptance is past its deadline: the street supervises it."""
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    clock.set(ACCEPTANCE_DUE)
    assert service.run_due_timers() == 1
    clock.advance(hours=3)
    return case_id


def tasks_of(service: CaseService, case_id: int) -> dict[str, HumanTask]:
    with service.sessions() as session:
        rows = session.scalars(
            select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
        )
        return {t.bpmn_id: t for t in rows}


def events_of(service: CaseService, case_id: int) -> list[CaseEvent]:
    with service.sessions() as session:
        return list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        )


def test_supervision_closes_when_the_overdue_step_is_done(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    assert tasks_of(service, case_id)["supervise_acceptance_check"].status == "open"

    complete_step(service, case_id, "acceptance_check", ACCEPT)

    tasks = tasks_of(service, case_id)
    supervision = tasks["supervise_acceptance_check"]
    assert supervision.status == "completed"
    assert supervision.completed_at == clock.now()
    assert supervision.completed_by is None
    assert tasks["collective_study"].status == "open"
    events = events_of(service, case_id)
    step, closed = events[-2], events[-1]
    assert (step.kind, step.task_bpmn_id) == ("task_completed", "acceptance_check")
    assert (closed.kind, closed.task_bpmn_id) == (
        "supervision_closed",
        "supervise_acceptance_check",
    )
    assert closed.data["data"] == {"supervision_outcome": "step_completed"}
    assert closed.data["step"] == "acceptance_check"
    assert closed.data["overdue_task_id"] == tasks["acceptance_check"].id
    assert closed.data["completed_by"] == tasks["acceptance_check"].completed_by
    with service.sessions() as session:
        assert session.get(Case, case_id).state_digest == closed.data["digest"]


def test_a_case_whose_supervision_closed_runs_to_its_end(
    service: CaseService, clock: FixedClock
) -> None:
    """The lifecycle no longer waits for the street once the late step is done."""
    case_id = overdue_acceptance(service, clock)
    while (task := open_task(service, case_id)) is not None:
        assert not task.bpmn_id.startswith("supervise_")
        clock.advance(days=step_lead("firm_entry", task.bpmn_id))
        payload = step_payload("firm_entry", task.bpmn_id, clock.now())
        complete_step(service, case_id, task.bpmn_id, payload)
    with service.sessions() as session:
        assert session.get(Case, case_id).status == "closed"


# ---------------------------------------------------------------- the street's powers


def street(service: CaseService) -> Actor:
    with service.sessions() as session:
        return service.actor(session, "street")


def supervision_id(service: CaseService, case_id: int) -> int:
    return tasks_of(service, case_id)["supervise_acceptance_check"].id


def test_the_street_sets_the_overdue_step_a_new_deadline(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    task_id = supervision_id(service, case_id)

    view = street_powers.set_deadline(
        service, street(service), task_id, date(2026, 3, 10), "节后集中办理"
    )

    new_due = datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI)
    tasks = tasks_of(service, case_id)
    step, supervision = tasks["acceptance_check"], tasks["supervise_acceptance_check"]
    assert step.due_at == supervision.due_at == new_due
    assert step.reminded_at is None and supervision.reminded_at is None
    assert view.step is not None and view.step.due_at == new_due
    [entry] = view.actions
    assert entry.kind == "supervision_deadline_set"
    assert datetime.fromisoformat(entry.data["from"]) == ACCEPTANCE_DUE
    assert datetime.fromisoformat(entry.data["to"]) == new_due
    assert entry.data["reason"] == "节后集中办理"
    assert entry.data["recipients"], "the party organization hears of its new deadline"
    with service.sessions() as session:
        kinds = set(
            session.scalars(
                select(Notification.kind).where(Notification.user_id.in_(entry.data["recipients"]))
            )
        )
    assert "deadline_set" in kinds
    # The reminder comes again before the new deadline, to the step and to the street.
    clock.set(datetime(2026, 3, 10, 1, 0, tzinfo=SHANGHAI))
    assert send_due_reminders(service.sessions, clock.now()) == 2


def test_the_street_records_a_summons_with_its_minutes(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    task_id = supervision_id(service, case_id)

    view = street_powers.record_summons(
        service,
        street(service),
        task_id,
        date(2026, 3, 6),
        [" 张书记 ", "李委员", ""],
        "约谈社区党组织，要求三日内完成受理审查。",
    )

    [entry] = view.actions
    assert entry.kind == "supervision_summons"
    assert entry.data["held_on"] == "2026-03-06"
    assert entry.data["attendees"] == ["张书记", "李委员"]
    assert entry.data["minutes"] == "约谈社区党组织，要求三日内完成受理审查。"
    assert tasks_of(service, case_id)["supervise_acceptance_check"].status == "open"


def test_the_street_hands_the_step_back_and_its_workers_hear_of_it(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    task_id = supervision_id(service, case_id)

    street_powers.hand_back(service, street(service), task_id, "请先核对材料")
    view = street_powers.hand_back(service, street(service), task_id, "请补齐材料后即行受理")

    entry = view.actions[-1]
    assert entry.kind == "supervision_handed_back"
    assert entry.data["instructions"] == "请补齐材料后即行受理"
    with service.sessions() as session:
        secretary = service.actor(session, "secretary").user_id
        notices = list(
            session.scalars(
                select(Notification.body)
                .where(Notification.user_id == secretary, Notification.kind == "handed_back")
                .order_by(Notification.id)
            )
        )
    assert secretary in entry.data["recipients"]
    [notice] = notices
    assert "请补齐材料后即行受理" in notice, "the second hand-back is told too"


def test_the_street_resolves_its_supervision(service: CaseService, clock: FixedClock) -> None:
    case_id = overdue_acceptance(service, clock)
    complete_step(service, case_id, "supervise_acceptance_check", {"supervision_note": "已约谈"})
    tasks = tasks_of(service, case_id)
    assert tasks["supervise_acceptance_check"].status == "completed"
    last = events_of(service, case_id)[-1]
    assert last.data["data"]["supervision_outcome"] == "resolved"
    with pytest.raises(Conflict):
        street_powers.hand_back(
            service, street(service), tasks["supervise_acceptance_check"].id, "x"
        )


@pytest.mark.parametrize(
    ("act", "field"),
    [
        (lambda s, a, t: street_powers.set_deadline(s, a, t, date(2026, 3, 5), "理由"), "due_on"),
        (lambda s, a, t: street_powers.set_deadline(s, a, t, date(2027, 4, 1), "理由"), "due_on"),
        (lambda s, a, t: street_powers.set_deadline(s, a, t, date(2026, 3, 9), " "), "reason"),
        (
            lambda s, a, t: street_powers.record_summons(s, a, t, date(2026, 3, 7), ["张"], "纪要"),
            "held_on",
        ),
        (
            lambda s, a, t: street_powers.record_summons(s, a, t, date(2026, 3, 5), ["张"], "纪要"),
            "held_on",
        ),
        (
            lambda s, a, t: street_powers.record_summons(s, a, t, date(2026, 3, 6), [" "], "纪要"),
            "attendees",
        ),
        (
            lambda s, a, t: street_powers.record_summons(s, a, t, date(2026, 3, 6), ["张"], ""),
            "minutes",
        ),
        (lambda s, a, t: street_powers.hand_back(s, a, t, "x" * 2001), "instructions"),
    ],
)
def test_a_bad_action_names_its_field_and_records_nothing(
    service: CaseService, clock: FixedClock, act, field: str
) -> None:
    case_id = overdue_acceptance(service, clock)
    before = len(events_of(service, case_id))
    with pytest.raises(InvalidInput) as raised:
        act(service, street(service), supervision_id(service, case_id))
    assert set(raised.value.messages) == {field}
    assert len(events_of(service, case_id)) == before
    assert tasks_of(service, case_id)["acceptance_check"].due_at == ACCEPTANCE_DUE


def test_only_the_street_acts_and_only_on_a_supervision(
    service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    tasks = tasks_of(service, case_id)
    with service.sessions() as session:
        secretary = service.actor(session, "secretary")
    with pytest.raises(Forbidden):
        street_powers.hand_back(service, secretary, tasks["supervise_acceptance_check"].id, "x")
    with pytest.raises(NotFound):
        street_powers.hand_back(service, street(service), tasks["acceptance_check"].id, "x")


# ---------------------------------------------------------------- the API and the task page


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "attachments")


def test_the_api_serves_the_street_its_powers(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    task_id = supervision_id(service, case_id)
    api = ApiClient(app.test_client(), token_for(service, "street"))
    base = f"/tasks/{task_id}/supervision"

    shown = api.get(base)
    assert shown.status_code == 200, shown.get_json()
    assert shown.get_json()["step"]["bpmn_id"] == "acceptance_check"
    assert shown.get_json()["actions"] == []

    moved = api.post(f"{base}/deadline", {"due_on": "2026-03-10", "reason": "节后办理"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["step"]["due_at"] == "2026-03-11T00:00:00+08:00"
    met = api.post(
        f"{base}/summons",
        {"held_on": "2026-03-06", "attendees": ["张书记"], "minutes": "限期三日"},
    )
    assert met.status_code == 200, met.get_json()
    back = api.post(f"{base}/hand-back", {"instructions": "请即行受理"})
    assert [a["kind"] for a in back.get_json()["actions"]] == [
        "supervision_deadline_set",
        "supervision_summons",
        "supervision_handed_back",
    ]

    refused = api.post(f"{base}/summons", {"held_on": "2026-03-06", "attendees": [], "minutes": ""})
    problem = assert_problem(refused, 422)
    assert set(problem["errors"]) == {"attendees", "minutes"}
    assert_problem(api.post(f"{base}/deadline", {"due_on": "2026-03-01", "reason": "x"}), 422)
    assert_problem(api.post(f"{base}/hand-back", {"instructions": "x", "extra": 1}), 422)
    secretary = ApiClient(app.test_client(), token_for(service, "secretary"))
    assert_problem(secretary.post(f"{base}/hand-back", {"instructions": "x"}), 403)

    done = api.post(f"/tasks/{task_id}/complete", {"data": {"supervision_note": "已办结"}})
    assert done.status_code == 200, done.get_json()
    assert_problem(api.post(f"{base}/hand-back", {"instructions": "x"}), 409)
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tasks/{task_id}/supervision/summons" in spec["paths"]


def test_the_supervision_form_on_the_task_page(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    case_id = overdue_acceptance(service, clock)
    task_id = supervision_id(service, case_id)
    page = PageClient(app, "street")
    shown = page.get(f"/tasks/{task_id}").text
    assert "被督办的超期步骤" in shown and "记录约谈" in shown and "办结督办" in shown

    url = f"/tasks/{task_id}/supervision"
    page.post(url, {"action": "deadline", "due_on": "2026-03-10", "reason": "节后办理"})
    page.post(
        url,
        {
            "action": "summons",
            "held_on": "2026-03-06",
            "attendees": "张书记、李委员",
            "minutes": "限期三日",
        },
    )
    page.post(url, {"action": "hand_back", "instructions": "请即行受理"})
    shown = page.get(f"/tasks/{task_id}").text
    for text in ("督办：重新限期", "节后办理", "张书记、李委员", "限期三日", "请即行受理"):
        assert text in shown, text

    refused = page.post(url, {"action": "summons", "held_on": "3月6日"}, status=422).text
    assert "约谈日期：日期格式应为 YYYY-MM-DD" in refused
    refused = page.post(url, {"action": "hand_back", "instructions": " "}, status=422).text
    assert "督办意见：此项为必填项。" in refused
    assert len([e for e in events_of(service, case_id) if e.kind.startswith("supervision_")]) == 3
