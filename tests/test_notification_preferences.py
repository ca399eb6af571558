"""Per-user notification preferences: which kinds, in the app and by e-mail, on a page and
over the API; a kind turned off is not written, one by mail only is written as read."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import token_for
from duty_support import complete, file_firm_entry, notices
from flask import Flask
from sqlalchemy import update
from web_support import Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.models import User
from service.notices.mail import _claim
from service.notices.preferences import set_preferences


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _return(service: CaseService, case_id: int) -> None:
    complete(
        service,
        "secretary",
        case_id,
        "acceptance_check",
        {"acceptance_decision": "return", "acceptance_reasons": "缺少表决结果公示"},
    )


def _mail_waiting(service: CaseService) -> list[str]:
    with service.sessions() as session:
        found, after = [], 0
        while (claimed := _claim(session, after)) is not None:
            found.append(claimed[0].kind)
            after = claimed[0].id
        return found


def test_the_page_turns_a_kind_off_and_another_to_mail_only(
    app: Flask, service: CaseService
) -> None:
    with service.transaction() as session:
        session.execute(update(User).where(User.username == "secretary").values(email="s@e.org"))
    secretary = Client(app, "secretary")
    page = secretary.get("/notifications/preferences").text
    assert 'name="new_task.in_app" checked' in page and "补正后重新提交" in page
    wanted = {f"{k}.{c}": "on" for k in ("returned", "comment") for c in ("in_app", "email")}
    secretary.post("/notifications/preferences", {**wanted, "resubmitted.email": "on"})
    page = secretary.get("/notifications/preferences").text
    assert 'name="new_task.in_app" >' in page and 'name="resubmitted.email" checked' in page

    case_id = file_firm_entry(service)
    assert notices(service, "secretary", "new_task") == [], "new tasks turned off"
    _return(service, case_id)
    complete(service, "committee", case_id, "supplement", {"supplement_note": "已补充"})
    [again] = notices(service, "secretary", "resubmitted")
    assert again.read_at is not None, "by mail only: written, but not unread"
    assert _mail_waiting(service) == ["resubmitted"]


def test_mail_is_left_out_for_a_kind_wanted_in_the_app_only(service: CaseService) -> None:
    with service.transaction() as session:
        session.execute(update(User).where(User.username == "committee").values(email="c@e.org"))
    with service.sessions() as session:
        committee = service.actor(session, "committee")
    set_preferences(service, committee, {"returned": {"email": False}})
    case_id = file_firm_entry(service)
    _return(service, case_id)
    [returned] = notices(service, "committee", "returned")
    assert returned.read_at is None
    assert _mail_waiting(service) == []


def test_preferences_over_the_api(app: Flask, service: CaseService) -> None:
    api = ApiClient(app.test_client(), token_for(service, "committee"))
    listed = api.get("/notifications/preferences").get_json()["items"]
    assert {(p["kind"], p["in_app"], p["email"]) for p in listed} >= {("returned", True, True)}
    answer = api.call(
        "PUT",
        "/notifications/preferences",
        json={"items": [{"kind": "comment", "email": False}]},
    )
    assert answer.status_code == 200
    chosen = {p["kind"]: p for p in answer.get_json()["items"]}
    assert (chosen["comment"]["in_app"], chosen["comment"]["email"]) == (True, False)
    assert chosen["returned"]["email"] is True
    wrong = api.call("PUT", "/notifications/preferences", json={"items": [{"kind": "spam"}]})
    assert wrong.status_code == 422 and "spam" in wrong.get_data(as_text=True)
