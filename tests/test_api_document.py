"""The OpenAPI document states each rule the API enforces, and the API enforces each rule
the document states: codes and user names, dates and their years, PATCH bodies, the
settings' values and the parts of an upload."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from api_support import PDF, Client, assert_problem, firm_exit_filing, make_app, token_for
from flask import Flask
from sqlalchemy import func, select

from service.cases.case_service import CaseService
from service.core.edge import PRINTABLE
from service.core.inputs import DAY_PATTERN, MOMENT_PATTERN
from service.core.models import AdminEvent
from workflows.formkit.fields import FIRST_YEAR, LAST_YEAR

CODE_PATTERN = "^[A-Za-z0-9_.\\-]+$"


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "files")


@pytest.fixture
def admin(app: Flask, service: CaseService) -> Client:
    return Client(app.test_client(), token_for(service, "admin"))


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]


def body_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    content = document["paths"]["/api/v1" + path][method]["requestBody"]["content"]
    ref = next(iter(content.values()))["schema"]["$ref"]
    return schemas(document)[ref.rsplit("/", 1)[1]]


def admin_changes(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(AdminEvent))


def test_the_year_pattern_is_the_range_the_fields_check() -> None:
    for year in (FIRST_YEAR - 1, FIRST_YEAR, LAST_YEAR, LAST_YEAR + 1):
        inside = FIRST_YEAR <= year <= LAST_YEAR
        assert bool(re.match(DAY_PATTERN, f"{year:04d}-01-01")) is inside
        assert bool(re.match(MOMENT_PATTERN, f"{year:04d}-01-01T00:00:00Z")) is inside


def test_codes_and_user_names_state_their_pattern_and_length(document: dict[str, Any]) -> None:
    for schema, name in (("PlaceCreate", "code"), ("UserCreate", "username")):
        stated = schemas(document)[schema]["properties"][name]
        assert (stated["pattern"], stated["minLength"], stated["maxLength"]) == (
            CODE_PATTERN,
            1,
            64,
        )


@pytest.mark.parametrize("value", ["", "E 9", "E9\n", "小区", "x" * 65])
def test_a_code_outside_the_stated_pattern_is_refused(admin: Client, value: str) -> None:
    assert not re.fullmatch(CODE_PATTERN[1:-1], value) or len(value) > 64
    place = {"kind": "estate", "code": value, "name": "新小区", "parent": "C01"}
    assert "code" in assert_problem(admin.post("/admin/places", place), 422)["errors"]
    user = {"username": value, "display_name": "新用户", "password": "secret-123"}
    assert "username" in assert_problem(admin.post("/admin/users", user), 422)["errors"]


def test_a_code_inside_the_stated_pattern_is_taken(admin: Client) -> None:
    place = {"kind": "estate", "code": "E-9_a.b", "name": "新小区", "parent": "C01"}
    assert admin.post("/admin/places", place).status_code == 201
    user = {"username": "new.user-9", "display_name": "新用户", "password": "secret-123"}
    assert admin.post("/admin/users", user).status_code == 201


def test_every_date_states_its_format_and_years(document: dict[str, Any]) -> None:
    """Each date and date-time of a request — query, path or body — says 1900–2999."""
    found = {"date": 0, "date-time": 0}

    def visit(schema: Any, described: str = "") -> None:
        if isinstance(schema, dict):
            if schema.get("format") in found:
                found[schema["format"]] += 1
                pattern = DAY_PATTERN if schema["format"] == "date" else MOMENT_PATTERN
                assert schema.get("pattern") == pattern, schema
                assert "1900–2999 年" in schema.get("description", described), schema
            for inner in schema.values():
                visit(inner)
        elif isinstance(schema, list):
            for inner in schema:
                visit(inner)

    operations = [
        operation
        for operations in document["paths"].values()
        for operation in [operations, *operations.values()]
        if isinstance(operation, dict)
    ]
    for parameter in [p for op in operations for p in op.get("parameters", [])]:
        visit(parameter["schema"], parameter.get("description", ""))
    for op in operations:
        for content in op.get("requestBody", {}).get("content", {}).values():
            visit(schemas(document)[content["schema"]["$ref"].rsplit("/", 1)[1]])
    assert found["date"] >= 5 and found["date-time"] >= 2, found


def test_the_calendar_day_is_a_date(document: dict[str, Any]) -> None:
    (day,) = document["paths"]["/api/v1/admin/calendar/{day}"]["parameters"]
    assert day["schema"] == {"type": "string", "format": "date", "pattern": DAY_PATTERN}


@pytest.mark.parametrize("day", ["1899-12-31", "3000-01-01", "2026-W40-4", "2026-13-01"])
def test_a_calendar_day_outside_the_document_is_refused(admin: Client, day: str) -> None:
    for method in ("PUT", "DELETE"):
        response = admin.call(method, f"/admin/calendar/{day}", json={"is_workday": True})
        assert "day" in assert_problem(response, 422)["errors"], method


def test_a_calendar_day_in_the_document_is_set(admin: Client) -> None:
    response = admin.call("PUT", "/admin/calendar/2999-12-31", json={"is_workday": True})
    assert response.status_code == 200 and response.json["day"] == "2999-12-31"


@pytest.mark.parametrize("value", ["1899-12-31", "20260302", "2026-W10-1", "2026-3-2"])
def test_a_query_date_outside_the_document_is_refused(admin: Client, value: str) -> None:
    body = assert_problem(admin.get(f"/cases?filed_from={value}"), 422)
    assert "filed_from" in body["errors"]


PATCHES = {
    "/admin/users/{user_id}": "/admin/users/1",
    "/admin/organizations/{organization_id}": "/admin/organizations/1",
    "/tasks/{task_id}": None,
}


def test_every_patch_body_needs_one_field(document: dict[str, Any]) -> None:
    patched = {
        path.removeprefix("/api/v1")
        for path, operations in document["paths"].items()
        if "patch" in operations
    }
    assert patched == set(PATCHES)
    for path in patched:
        assert body_schema(document, path, "patch")["minProperties"] == 1, path


@pytest.mark.parametrize("path", ["/admin/users/1", "/admin/organizations/1"])
def test_an_empty_patch_is_refused(admin: Client, service: CaseService, path: str) -> None:
    before = admin_changes(service)
    body = assert_problem(admin.call("PATCH", path, json={}), 422)
    assert body["errors"] == {"_schema": ["请至少修改一项。"]}
    assert admin_changes(service) == before


def test_an_empty_task_patch_and_a_moment_past_the_years_are_refused(
    app: Flask, service: CaseService
) -> None:
    with service.sessions() as session:
        committee = service.actor(session, "committee")
    case_id = service.file_case(committee, firm_exit_filing())
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    task = f"/tasks/{secretary.get(f'/cases/{case_id}').json['open_tasks'][0]['id']}"
    body = assert_problem(secretary.call("PATCH", task, json={}), 422)
    assert body["errors"] == {"_schema": ["请至少修改一项：due_at、follow_up_at 或 priority。"]}
    late = {"due_at": "3000-01-01T00:00:00+08:00"}
    assert "due_at" in assert_problem(secretary.call("PATCH", task, json=late), 422)["errors"]


def test_a_setting_value_is_never_null(document: dict[str, Any], admin: Client) -> None:
    value = schemas(document)["SettingSet"]["properties"]["value"]
    assert not value.get("nullable") and value["anyOf"]
    assert all("type" in shape and not shape.get("nullable") for shape in value["anyOf"])
    response = admin.call("PUT", "/admin/settings/acceptance_working_days", json={"value": None})
    assert assert_problem(response, 422)["errors"] == {"value": ["此项不能为空。"]}


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("acceptance_working_days", 3650, True),
        ("acceptance_working_days", 3651, False),
        ("party_share_policy", "block", True),
        ("party_share_policy", "never", False),
        ("emergency_categories", ["roof_leak"], True),
        ("emergency_categories", [], False),
    ],
)
def test_a_setting_value_takes_the_stated_shapes(
    document: dict[str, Any], admin: Client, key: str, value: Any, accepted: bool
) -> None:
    response = admin.call("PUT", f"/admin/settings/{key}", json={"value": value})
    assert response.status_code == (200 if accepted else 422), response.json


def test_an_upload_states_its_one_part(document: dict[str, Any]) -> None:
    upload = body_schema(document, "/attachments", "post")
    assert upload["additionalProperties"] is False and list(upload["properties"]) == ["file"]


@pytest.mark.parametrize(
    "extra_part",
    [("note", "说明"), ("other", "b.pdf")],
    ids=["text part", "file part"],
)
def test_an_upload_with_another_part_is_refused_naming_it(
    app: Flask, service: CaseService, tmp_path: Path, extra_part: tuple[str, str]
) -> None:
    name, value = extra_part
    # A fresh stream per run: the test client closes the files it sends.
    extra = {name: (io.BytesIO(PDF), value) if value.endswith(".pdf") else value}
    response = app.test_client().post(
        "/api/v1/attachments",
        data={"file": (io.BytesIO(PDF), "a.pdf"), **extra},
        headers={"Authorization": f"Bearer {token_for(service, 'committee')}"},
        content_type="multipart/form-data",
    )
    body = assert_problem(response, 422)
    assert body["errors"] == {name: ["不接受此字段。"]}
    assert not (tmp_path / "files").exists() or not any((tmp_path / "files").rglob("*.pdf"))


def test_free_text_states_the_characters_the_edge_refuses(
    document: dict[str, Any], admin: Client
) -> None:
    comment = schemas(document)["CommentCreate"]["properties"]["body"]
    assert comment["pattern"] == PRINTABLE
    assert not re.search(PRINTABLE, "见\x01附件") and re.search(PRINTABLE, "见\t附件\r\n")
    (code,) = document["paths"]["/api/v1/matters/{code}"]["parameters"]
    assert code["schema"]["pattern"] == PRINTABLE
    assert "code" in assert_problem(admin.get("/matters/firm%01exit"), 422)["errors"]


def test_a_query_parameter_no_operation_names_is_refused_naming_it(admin: Client) -> None:
    """The document lists each operation's parameters; any other is refused, not ignored."""
    body = assert_problem(admin.get("/cases?limit=5&colour=red"), 422)
    assert body["errors"] == {"colour": ["不接受此参数。"]}
    assert admin.get("/cases?limit=5").status_code == 200
