"""Every message a client or a user can get for bad input is in Chinese: each field and
validator of every request schema, query schema and form says why in Chinese."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import Client, assert_problem, make_app, token_for
from flask import Flask
from marshmallow import Schema, fields, validate

import service
import workflows
from service.api.schemas.cases import UploadSchema
from service.cases.case_service import CaseService
from service.core.inputs import QuerySchema, RequestSchema
from workflows.forms import FormSchema

CJK = re.compile(r"[\u4e00-\u9fff]")


def _load_every_module() -> None:
    for package in (service, workflows):
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in found.name:
                importlib.import_module(found.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _validator_faults(where: str, check: object) -> list[str]:
    if isinstance(check, validate.And):
        return [f for inner in check.validators for f in _validator_faults(where, inner)]
    error = getattr(check, "error", None)
    if isinstance(check, validate.Validator) and not (error and CJK.search(error)):
        return [f"{where}: {type(check).__name__} {error!r}"]
    return []


def _field_faults(where: str, field: fields.Field, seen: set[type]) -> list[str]:
    faults = [
        f"{where}: {key} {text!r}"
        for key, text in field.error_messages.items()
        if not CJK.search(str(text))
    ]
    for check in field.validators:
        faults += _validator_faults(where, check)
    if isinstance(field, fields.Nested):
        faults += _schema_faults(type(field.schema), seen)
    if isinstance(field, fields.List):
        faults += _field_faults(where + "[]", field.inner, seen)
    if isinstance(field, fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                faults += _field_faults(where + "{}", inner, seen)
    return faults


def _schema_faults(cls: type[Schema], seen: set[type]) -> list[str]:
    if cls in seen:
        return []
    seen.add(cls)
    schema = cls()
    faults = [
        f"{cls.__name__}: {key} {text!r}"
        for key, text in schema.error_messages.items()
        if not CJK.search(str(text))
    ]
    for name, field in schema.fields.items():
        if not field.dump_only:
            faults += _field_faults(f"{cls.__name__}.{name}", field, seen)
    return faults


def test_every_input_message_is_in_chinese() -> None:
    _load_every_module()
    roots = [
        *_subclasses(RequestSchema),
        *_subclasses(QuerySchema),
        *_subclasses(FormSchema),
        UploadSchema,
    ]
    seen: set[type] = set()
    faults = [fault for root in roots for fault in _schema_faults(root, seen)]
    assert len(seen) > 50
    assert faults == []


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "attachments")


def test_an_upload_without_a_file_is_told_in_chinese(app, service) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    answer = committee.client.post(
        "/api/v1/attachments",
        data={"other": "x"},
        headers={"Authorization": f"Bearer {committee.token}"},
        content_type="multipart/form-data",
    )
    body = assert_problem(answer, 422)
    assert body["errors"] == {"file": ["请选择要上传的文件。"]}


def test_a_list_that_is_not_a_list_is_told_in_chinese(app, service) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    answer = committee.call("PUT", "/notifications/preferences", json={"items": "all"})
    body = assert_problem(answer, 422)
    assert body["errors"] == {"items": ["应为 JSON 数组。"]}
