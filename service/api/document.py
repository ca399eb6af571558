"""What the OpenAPI document says beyond what marshmallow's fields say on their own.

- A request schema's ``json_schema`` (e.g. a PATCH body's ``minProperties: 1``) is added
  to its JSON Schema by the converter.
- Every filing and step form is a component ``Form_<form>`` generated from the form
  itself; a filing's body is one ``CaseFiling_<matter>`` per matter type, told apart by
  ``matter_type``; a completion's ``data`` is one of the step forms, and each task names
  its own (``form_schema``). So a client, or a fuzzer, builds valid data from the
  document alone.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask_smorest.spec.plugins import unicodeconverter2paramschema
from marshmallow import Schema
from werkzeug.routing import UnicodeConverter

from service.core.edge import PRINTABLE
from service.core.inputs import Text
from workflows.catalogue import MATTERS
from workflows.duty_forms import DUTY_STEP_FORMS, case_step_schema
from workflows.formkit.json_schema import form_json_schema
from workflows.forms import STEP_FORMS, SupervisionForm

_SCHEMAS = "#/components/schemas/"


def _printable(converter: OpenAPIConverter, field: Any, ret: dict[str, Any]) -> dict[str, Any]:
    """A request's free text says what the edge refuses in every string (C0 controls)."""
    if isinstance(field, Text) and not {"pattern", "enum", "format"} & set(ret):
        return {"pattern": PRINTABLE}
    return {}


class DocumentConverter(OpenAPIConverter):
    """apispec's converter, adding each schema's own ``json_schema`` keywords and the
    edge's rule on every free text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_attribute_function(_printable)

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(resolve_schema_instance(schema), "json_schema", {}))
        return jsonschema


class DocumentPlugin(MarshmallowPlugin):
    Converter = DocumentConverter


def path_text(converter: UnicodeConverter) -> dict[str, Any]:
    """A text path parameter: its length, and no control character (the edge refuses)."""
    return {**unicodeconverter2paramschema(converter), "pattern": PRINTABLE}


def form_component(form: type[Schema]) -> str:
    """The name of a form's component in the document."""
    return f"Form_{form.__name__}"


def task_form_schema(matter_type: str, bpmn_id: str) -> str | None:
    """Where the document describes a task's form (None for a task without one)."""
    try:
        return _SCHEMAS + form_component(case_step_schema(matter_type, bpmn_id))
    except KeyError:
        return None


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS + name}


def _filled_by_service(request: dict[str, Any]) -> None:
    """A filing's applicant kind may be left out: the service takes the organization's."""
    request["required"] = [name for name in request["required"] if name != "applicant_kind"]
    kind = request["properties"]["applicant_kind"]
    kind["description"] += "；省略时取所代表单位的类型"


def describe_forms(spec: APISpec) -> None:
    """Add the forms' components and tie the filing and the completion bodies to them."""
    steps = {*STEP_FORMS.values(), *DUTY_STEP_FORMS.values(), SupervisionForm}
    filings = {code: matter.filing_form for code, matter in MATTERS.items()}
    forms = sorted({*steps, *filings.values()}, key=form_component)
    names = [form_component(form) for form in forms]
    if len(set(names)) != len(names):
        raise ValueError("two forms share a component name")
    for form, name in zip(forms, names, strict=True):
        spec.components.schema(name, component=form_json_schema(form))
    for form in {*filings.values()}:
        _filled_by_service(spec.components.schemas[form_component(form)])
    schemas = spec.components.schemas
    filing = schemas["CaseFiling"]
    for code, form in filings.items():
        properties = {
            **filing["properties"],
            "matter_type": {"type": "string", "enum": [code]},
            "request": _ref(form_component(form)),
        }
        spec.components.schema(f"CaseFiling_{code}", component={**filing, "properties": properties})
    schemas["CaseFiling"] = {
        "oneOf": [_ref(f"CaseFiling_{code}") for code in filings],
        "discriminator": {
            "propertyName": "matter_type",
            "mapping": {code: _SCHEMAS + f"CaseFiling_{code}" for code in filings},
        },
    }
    data = schemas["Complete"]["properties"]["data"]
    data["anyOf"] = [_ref(form_component(form)) for form in sorted(steps, key=form_component)]


# -- links: where an answer's id feeds another operation --------------------------------

_CASE = {"case_id": "$response.body#/id"}
_OPEN_TASK = {"task_id": "$response.body#/open_tasks/0/id"}
_FIRST_TASK = {"task_id": "$response.body#/items/0/id"}
_DETAIL_TASK = {"task_id": "$response.body#/task/id"}
_SAME_TASK = {"task_id": "$request.path.task_id"}
_CASE_LINKS = {
    "GetCase": ("/cases/{case_id}", "get", _CASE),
    "GetCaseEvents": ("/cases/{case_id}/events", "get", _CASE),
    "GetCaseComments": ("/cases/{case_id}/comments", "get", _CASE),
    "AddCaseComment": ("/cases/{case_id}/comments", "post", _CASE),
    "VerifyCase": ("/cases/{case_id}/verification", "get", _CASE),
    "GetOpenTask": ("/tasks/{task_id}", "get", _OPEN_TASK),
    "ClaimOpenTask": ("/tasks/{task_id}/claim", "post", _OPEN_TASK),
    "CompleteOpenTask": ("/tasks/{task_id}/complete", "post", _OPEN_TASK),
}


def _task_links(task: dict[str, str]) -> dict[str, tuple[str, str, dict[str, str]]]:
    return {
        "GetTask": ("/tasks/{task_id}", "get", task),
        "ClaimTask": ("/tasks/{task_id}/claim", "post", task),
        "UnclaimTask": ("/tasks/{task_id}/unclaim", "post", task),
        "AssignTask": ("/tasks/{task_id}/assign", "post", task),
        "ArrangeTask": ("/tasks/{task_id}", "patch", task),
        "CompleteTask": ("/tasks/{task_id}/complete", "post", task),
        "GetTaskHistory": ("/tasks/{task_id}/history", "get", task),
    }


LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/cases", "post", "201"): _CASE_LINKS,
    ("/cases/{case_id}", "get", "200"): _CASE_LINKS,
    ("/incidents", "post", "201"): _CASE_LINKS,
    ("/tasks/{task_id}/complete", "post", "200"): _CASE_LINKS,
    ("/tasks", "get", "200"): _task_links(_FIRST_TASK),
    ("/tasks/{task_id}", "get", "200"): {
        **_task_links(_DETAIL_TASK),
        "GetSupervision": ("/tasks/{task_id}/supervision", "get", _DETAIL_TASK),
        "GetCase": ("/cases/{case_id}", "get", {"case_id": "$response.body#/task/case_id"}),
    },
    ("/tasks/{task_id}/claim", "post", "200"): _task_links(_SAME_TASK),
    ("/cases/{case_id}/comments", "post", "201"): {
        "GetCaseComments": (
            "/cases/{case_id}/comments",
            "get",
            {"case_id": "$response.body#/case_id"},
        ),
    },
    ("/filters", "post", "201"): {
        "DeleteFilter": ("/filters/{filter_id}", "delete", {"filter_id": "$response.body#/id"}),
    },
    ("/attachments", "post", "201"): {
        "DownloadAttachment": (
            "/attachments/{sha256}",
            "get",
            {"sha256": "$response.body#/sha256"},
        ),
    },
    ("/auth/token", "post", "201"): {
        "RevokeToken": ("/auth/tokens/{token_id}", "delete", {"token_id": "$response.body#/id"}),
    },
    ("/admin/users", "post", "201"): {
        "GetUser": ("/admin/users/{user_id}", "get", {"user_id": "$response.body#/id"}),
        "UpdateUser": ("/admin/users/{user_id}", "patch", {"user_id": "$response.body#/id"}),
        "GrantRole": ("/admin/users/{user_id}/grants", "post", {"user_id": "$response.body#/id"}),
    },
    ("/admin/users/{user_id}/grants", "post", "201"): {
        "RevokeGrant": (
            "/admin/users/{user_id}/grants/{grant_id}",
            "delete",
            {"user_id": "$response.body#/id", "grant_id": "$response.body#/grants/0/id"},
        ),
    },
    ("/admin/organizations", "post", "201"): {
        "UpdateOrganization": (
            "/admin/organizations/{organization_id}",
            "patch",
            {"organization_id": "$response.body#/id"},
        ),
    },
    ("/admin/calendar/{day}", "put", "200"): {
        "ClearCalendarDay": ("/admin/calendar/{day}", "delete", {"day": "$response.body#/day"}),
    },
    ("/admin/settings/{key}", "put", "200"): {
        "ClearSetting": ("/admin/settings/{key}", "delete", {"key": "$response.body#/key"}),
    },
    ("/admin/webhooks", "post", "201"): {
        "GetDeliveries": (
            "/admin/webhooks/{endpoint_id}/deliveries",
            "get",
            {"endpoint_id": "$response.body#/id"},
        ),
    },
}


def _operation_ref(prefix: str, path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901 escapes ~ and /)."""
    escaped = (prefix + path).replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}"


def add_links(spec: APISpec, prefix: str) -> None:
    """Write ``LINKS`` into the responses they belong to; a link to nowhere is an error."""
    paths = spec._paths  # apispec keeps the operations here and offers no other way in
    for (path, method, status), links in LINKS.items():
        response = paths[prefix + path][method]["responses"][status]
        response["links"] = {}
        for name, (target, target_method, parameters) in links.items():
            if target_method not in paths[prefix + target]:
                raise KeyError(f"no operation {target_method} {target}")
            response["links"][name] = {
                "operationRef": _operation_ref(prefix, target, target_method),
                "parameters": parameters,
            }
