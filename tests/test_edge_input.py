"""Bad input at the edge: every string of every request is checked once before any
handler runs, and booleans are true or false only; the same answer on every database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_support import HANDOVER, PDF, Client, assert_problem, firm_exit_filing, make_app, token_for
from flask import Flask
from sqlalchemy import func, select
from web_support import PASSWORD, TOKEN
from web_support import Client as PageClient

from service.cases.case_service import CaseService
from service.core.edge import MAX_STRING
from service.core.models import Case, User
from workflows.forms import FormError, StepContext, validate_step
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "attachments")


def _client(app: Flask, service: CaseService, username: str | None) -> Client:
    token = token_for(service, username) if username else None
    return Client(app.test_client(), token)


def _cases(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


def _raw(client: Client, method: str, path: str, body: str) -> object:
    return client.call(method, path, data=body, content_type="application/json")


# ---------------------------------------------------------------- strings, over the API


def test_a_lone_surrogate_signing_in_is_refused_naming_the_field(app, service) -> None:
    anonymous = _client(app, service, None)
    answer = _raw(anonymous, "POST", "/auth/token", '{"username":"\\ud800","password":"x"}')
    body = assert_problem(answer, 422)
    assert "不成对的 Unicode 代理项" in body["errors"]["username"][0]


def test_a_nul_in_a_form_field_is_refused_alike_on_every_database(app, service) -> None:
    committee = _client(app, service, "committee")
    filing = firm_exit_filing(reasons="合同到期\x00")
    body = assert_problem(committee.post("/cases", filing), 422)
    assert "控制字符" in body["errors"]["request.reasons"][0]
    deep = firm_exit_filing(attachments=[{"name": "a\x07.pdf", "sha256": "0" * 64}])
    body = assert_problem(committee.post("/cases", deep), 422)
    assert list(body["errors"]) == ["request.attachments.0.name"]
    assert _cases(service) == 0


def test_a_bad_key_is_refused_without_being_echoed(app, service) -> None:
    committee = _client(app, service, "committee")
    answer = _raw(committee, "POST", "/cases", '{"request": {"\\udfff": 1}}')
    body = assert_problem(answer, 422)
    assert list(body["errors"]) == ["request"]
    assert "字段名" in body["errors"]["request"][0]


def test_multi_line_text_keeps_its_newlines_and_tabs(app, service) -> None:
    committee = _client(app, service, "committee")
    answer = committee.post(
        "/cases", firm_exit_filing(reasons="第一，合同到期；\r\n\t第二，不再续聘")
    )
    assert answer.status_code == 201, answer.get_json()


def test_query_strings_and_path_parameters_are_checked(app, service) -> None:
    secretary = _client(app, service, "secretary")
    body = assert_problem(secretary.get("/cases", query_string={"q": "a\x00"}), 422)
    assert list(body["errors"]) == ["q"]
    body = assert_problem(secretary.get("/cases", query_string={"x\x01": "1"}), 422)
    assert list(body["errors"]) == ["_schema"]
    body = assert_problem(secretary.get("/matters/firm%00exit"), 422)
    assert list(body["errors"]) == ["code"]


def test_upload_names_are_checked(app, service) -> None:
    committee = _client(app, service, "committee")
    answer = committee.upload(PDF, "方案\x00.pdf")
    body = assert_problem(answer, 422)
    assert list(body["errors"]) == ["file"]


def test_a_string_longer_than_any_field_allows_is_refused(app, service) -> None:
    committee = _client(app, service, "committee")
    answer = committee.post("/cases", firm_exit_filing(plan="方" * (MAX_STRING + 1)))
    body = assert_problem(answer, 422)
    assert "不能超过 10000 个字符" in body["errors"]["request.plan"][0]


def test_nan_and_infinity_are_not_numbers(app, service) -> None:
    committee = _client(app, service, "committee")
    filing = json.dumps(firm_exit_filing(affected_owners=0))
    for word in ("NaN", "Infinity", "-Infinity", "1e999"):
        answer = _raw(
            committee,
            "POST",
            "/cases",
            filing.replace('"affected_owners": 0', f'"affected_owners": {word}'),
        )
        body = assert_problem(answer, 422)
        assert list(body["errors"]) == ["request.affected_owners"], word
    assert _cases(service) == 0


def test_a_caller_without_a_token_learns_nothing_from_bad_text(app, service) -> None:
    anonymous = _client(app, service, None)
    assert_problem(anonymous.post("/cases", {"title": "\x00"}), 401)


def test_every_blueprint_checks_the_text_of_its_requests(app: Flask) -> None:
    # flask-smorest's own blueprint serves the document and its assets and reads nothing.
    for name in set(app.blueprints) - {"api-docs"}:
        hooks = [hook.__name__ for hook in app.before_request_funcs.get(name, [])]
        assert "_check_text" in hooks, name


# ---------------------------------------------------------------- strings, on the pages


def test_the_sign_in_page_shows_its_form_again_for_unreadable_text(app: Flask) -> None:
    client = app.test_client()
    token = TOKEN.search(client.get("/signin").text).group(1)
    answer = client.post(
        "/signin", data={"username": "committee\x00", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 422
    assert 'name="username"' in answer.text and "控制字符" in answer.text


def test_a_page_form_with_a_nul_is_refused_and_nothing_is_written(app, service) -> None:
    committee = PageClient(app, "committee")
    page = committee.post("/filing/common_income", {"org": "1", "title": "关于\x00"}, status=422)
    assert "“title”" in page.text and "控制字符" in page.text
    committee.post(
        "/filing/common_income", {"org": "1", "title": "\x00", "action": "save_draft"}, status=422
    )
    committee.get("/cases?q=%00", status=422)
    assert _cases(service) == 0


# ---------------------------------------------------------------- booleans


def test_only_true_and_false_are_booleans(app, service) -> None:
    admin = _client(app, service, "admin")
    with service.sessions() as session:
        user_id = session.scalar(select(User.id).where(User.username == "committee"))
    for value in (0, 1, "yes", "on", "t", "true", None):
        answer = admin.call("PATCH", f"/admin/users/{user_id}", json={"active": value})
        body = assert_problem(answer, 422)
        assert list(body["errors"]) == ["active"], value
    assert admin.get(f"/admin/users/{user_id}").get_json()["active"] is True
    answer = admin.call("PATCH", f"/admin/users/{user_id}", json={"active": False})
    assert answer.status_code == 200 and answer.get_json()["active"] is False
    secretary = _client(app, service, "secretary")
    assert_problem(secretary.get("/tasks", query_string={"overdue": "1"}), 422)
    assert secretary.get("/tasks", query_string={"overdue": "true"}).status_code == 200


def test_a_form_flag_is_true_or_false_only(clock) -> None:
    ctx = StepContext(
        matter_type="firm_exit",
        sub_type="firm",
        request=firm_exit_filing()["request"],
        data={},
        settings=Settings(),
        calendar=WorkCalendar(),
        now=clock.now(),
    )
    assert validate_step("handover_checklist", HANDOVER, ctx)["rooms_handed_over"] is True
    for value in (1, 0, "yes", "on", "true"):
        with pytest.raises(FormError) as refused:
            validate_step("handover_checklist", {**HANDOVER, "rooms_handed_over": value}, ctx)
        assert "应选择“是”或“否”" in refused.value.messages["rooms_handed_over"][0], value
