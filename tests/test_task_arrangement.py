"""Who sets a task's due date and priority: the party organization for every step of its
cases, the street on a step it supervises, never the body whose step it is (issue 18).
The follow-up date stays a note anyone working the task may set. API, pages, both
databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import ACCEPT, Client, assert_problem, make_app, token_for
from duty_support import at, duties_of, open_task
from web_support import Client as WebUser

from service.cases.case_service import CaseService
from service.demo.cases import drive
from service.worker import Worker


@pytest.fixture
def app(service: CaseService, tmp_path: Path):
    return make_app(service, tmp_path / "attachments")


def _client(app, service: CaseService, username: str) -> Client:
    return Client(app.test_client(), token_for(service, username))


def test_the_applicant_may_not_move_its_own_deadline_or_priority(app, service) -> None:
    case_id = drive(service, "common_income", path="return_once", stop_before="supplement")
    supplement = open_task(service, case_id, "supplement")
    committee = _client(app, service, "committee")
    for change, label in (
        ({"due_at": "2026-06-30T00:00:00+08:00"}, "办理期限"),
        ({"priority": 99}, "优先级"),
    ):
        refused = committee.call("PATCH", f"/tasks/{supplement.id}", json=change)
        assert label in assert_problem(refused, 403)["detail"]
    detail = committee.get(f"/tasks/{supplement.id}").get_json()
    assert (detail["may_work"], detail["may_rearrange"]) == (True, False)
    noted = committee.call(
        "PATCH", f"/tasks/{supplement.id}", json={"follow_up_at": "2026-03-04T09:00:00+08:00"}
    )
    assert noted.status_code == 200, noted.get_json()
    assert noted.get_json()["priority"] == 50

    secretary = _client(app, service, "secretary")
    assert secretary.get(f"/tasks/{supplement.id}").get_json()["may_rearrange"] is True
    moved = secretary.call(
        "PATCH", f"/tasks/{supplement.id}", json={"due_at": "2026-03-20T00:00:00+08:00"}
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["due_at"] == "2026-03-20T00:00:00+08:00"


def test_the_street_sets_a_deadline_only_while_it_supervises_the_step(app, service, clock) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    acceptance = open_task(service, case_id, "acceptance_check")
    street = _client(app, service, "street")
    new_due = {"due_at": "2026-03-12T00:00:00+08:00"}
    assert_problem(street.call("PATCH", f"/tasks/{acceptance.id}", json=new_due), 403)

    clock.set(at(2026, 3, 9, 9))  # three working days have passed: escalated to the street
    Worker(duties_of(service)).run_once()
    assert open_task(service, case_id, "supervise_acceptance_check") is not None
    assert street.get(f"/tasks/{acceptance.id}").get_json()["may_rearrange"] is True
    moved = street.call("PATCH", f"/tasks/{acceptance.id}", json=new_due)
    assert moved.status_code == 200, moved.get_json()
    history = street.get(f"/tasks/{acceptance.id}/history").get_json()
    assert history[-1]["kind"] == "task_updated" and history[-1]["actor"]["username"] == "street"

    secretary = _client(app, service, "secretary")
    done = secretary.post(f"/tasks/{acceptance.id}/complete", {"data": ACCEPT})
    assert done.status_code == 200, done.get_json()


def test_the_pages_offer_the_due_date_and_priority_only_to_those_who_may_set_them(
    app, service
) -> None:
    case_id = drive(service, "common_income", path="return_once", stop_before="supplement")
    supplement = open_task(service, case_id, "supplement")
    committee = WebUser(app, "committee")
    page = committee.get(f"/tasks/{supplement.id}").text
    assert 'name="follow_up_on"' in page and 'name="due_on"' not in page
    assert 'name="priority"' not in page
    refused = committee.post(
        f"/tasks/{supplement.id}/arrangement", {"priority": "99"}, status=422
    ).text
    assert "只能由社区党组织调整" in refused
    secretary = WebUser(app, "secretary")
    page = secretary.get(f"/tasks/{supplement.id}").text
    assert 'name="due_on"' in page and 'name="priority"' in page
    secretary.post(f"/tasks/{supplement.id}/arrangement", {"priority": "80", "due_on": ""})
    assert open_task(service, case_id, "supplement").priority == 80
