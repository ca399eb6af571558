"""The document describes each matter's filing and each step's data, generated from the
forms themselves, so valid data can be built from it alone; and it links the answers
whose ids feed other operations (case filed → the case and its open task → claim,
complete …)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from api_support import Client, assert_problem, firm_exit_filing, make_app, token_for
from flask import Flask

from service.cases.case_service import CaseService
from service.demo.cases import filing_payload, step_payload
from workflows.catalogue import MATTERS
from workflows.work_calendar import SHANGHAI

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
EXPRESSION = re.compile(r"\$(response\.body#/[\w/]+|request\.path\.\w+)")


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "files")


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def inlined(schema: Any, components: dict[str, Any]) -> Any:
    """A schema with every $ref to a component replaced by the component."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inlined(components[schema["$ref"].rsplit("/", 1)[1]], components)
        return {key: inlined(value, components) for key, value in schema.items()}
    if isinstance(schema, list):
        return [inlined(value, components) for value in schema]
    return schema


def validator(document: dict[str, Any], name: str) -> jsonschema_rs.Draft4Validator:
    components = document["components"]["schemas"]
    schema = inlined(components[name], components)
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def test_a_filing_is_one_request_per_matter_told_apart_by_its_type(
    document: dict[str, Any],
) -> None:
    filing = document["components"]["schemas"]["CaseFiling"]
    assert filing["discriminator"]["propertyName"] == "matter_type"
    assert set(filing["discriminator"]["mapping"]) == set(MATTERS)
    for code, matter in MATTERS.items():
        branch = document["components"]["schemas"][f"CaseFiling_{code}"]
        assert branch["properties"]["matter_type"]["enum"] == [code]
        assert branch["properties"]["request"] == {
            "$ref": f"#/components/schemas/Form_{matter.filing_form.__name__}"
        }


@pytest.mark.parametrize("code", list(MATTERS))
def test_each_matter_s_valid_filing_and_steps_fit_the_document(
    document: dict[str, Any], code: str
) -> None:
    """The demo's filing and the data of each of its own steps, which the service takes,
    are valid per the document (format checks on); a stray field is not."""
    filing = filing_payload(code, NOW)
    check = validator(document, "CaseFiling")
    assert check.is_valid(filing), list(check.iter_errors(filing))[:3]
    filing["request"]["unheard_of"] = "x"
    assert not check.is_valid(filing)
    for step in MATTERS[code].matter_steps:
        if step.form is None or step.id == "owners_vote":
            continue
        data = step_payload(code, step.id, NOW)
        form = validator(document, f"Form_{step.form.__name__}")
        assert form.is_valid(data), (step.id, list(form.iter_errors(data))[:3])


def test_completion_data_is_one_of_the_step_forms(document: dict[str, Any]) -> None:
    data = document["components"]["schemas"]["Complete"]["properties"]["data"]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in data["anyOf"]}
    assert "Form_SupervisionForm" in names
    assert all(name in document["components"]["schemas"] for name in names)


def test_dates_and_counts_of_a_form_say_what_the_fields_take(document: dict[str, Any]) -> None:
    form = document["components"]["schemas"]["Form_FirmExitFiling"]["properties"]
    assert form["notice_date"]["format"] == "date"
    assert "1900–2999 年" in form["notice_date"]["description"]
    check = validator(document, "Form_FirmExitFiling")
    request = firm_exit_filing()["request"]
    assert check.is_valid(request)
    for field, value in [("notice_date", "20251101"), ("affected_area", "1.234")]:
        assert not check.is_valid({**request, field: value}), field


@pytest.mark.parametrize(("field", "value"), [("notice_date", "20251101"), ("title", "  ")])
def test_what_the_document_refuses_the_api_refuses(
    app: Flask, service: CaseService, field: str, value: str
) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    filing = firm_exit_filing()
    filing["request"][field] = value
    assert field in assert_problem(committee.post("/cases", filing), 422)["errors"]


def test_each_task_names_its_form_in_the_document(
    app: Flask, service: CaseService, document: dict[str, Any]
) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    filed = committee.post("/cases", firm_exit_filing())
    assert filed.status_code == 201, filed.json
    (task,) = filed.json["open_tasks"]
    assert task["form_schema"] == "#/components/schemas/Form_AcceptanceCheckForm"
    assert validator(document, "Form_AcceptanceCheckForm").is_valid(
        {"acceptance_decision": "accept"}
    )
    assert secretary.get(f"/tasks/{task['id']}").json["task"]["form_schema"] == task["form_schema"]


def _operation(document: dict[str, Any], ref: str) -> dict[str, Any]:
    path, method = ref.removeprefix("#/paths/").rsplit("/", 1)
    return document["paths"][path.replace("~1", "/").replace("~0", "~")][method]


def test_every_link_leads_to_an_operation_and_fills_its_path(document: dict[str, Any]) -> None:
    linked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for response in operation["responses"].values():
                for name, link in response.get("links", {}).items():
                    linked += 1
                    target_path = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)[0]
                    target = target_path.replace("~1", "/").replace("~0", "~")
                    assert _operation(document, link["operationRef"]), name
                    wanted = set(re.findall(r"{(\w+)}", target))
                    assert set(link["parameters"]) == wanted, (method, path, name)
                    for expression in link["parameters"].values():
                        assert EXPRESSION.fullmatch(expression), (name, expression)
    assert linked >= 40


def test_the_filing_links_to_its_case_and_open_task(document: dict[str, Any]) -> None:
    links = document["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"]
    assert links["GetCase"]["parameters"] == {"case_id": "$response.body#/id"}
    assert links["CompleteOpenTask"]["parameters"] == {"task_id": "$response.body#/open_tasks/0/id"}
