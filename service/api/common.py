"""What every API handler shares: the service, the signed-in actor, documented errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from service.api.problems import database_problem, service_problem, validation_problem
from service.cases.case_service import CaseService
from service.core.db import DatabaseError, Session
from service.core.edge import refuse_bad_text
from service.core.errors import ServiceError, Unauthenticated
from service.core.inputs import DAY_PATTERN
from service.people.access import Actor
from service.people.auth import actor_for_token
from workflows.i18n import _

API_PREFIX = "/api/v1"
F = TypeVar("F", bound=Callable[..., Any])


class IdConverter(IntegerConverter):
    """Row ids in paths: 1 to 2³¹−1, so no number a client sends overflows a column."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def case_service() -> CaseService:
    return current_app.extensions["case_service"]


def now() -> datetime:
    return case_service().clock.now()


def actor() -> Actor:
    """The actor the request's bearer token stands for (set before every handler)."""
    return g.api_actor


@contextmanager
def reading() -> Iterator[Session]:
    with case_service().reading() as session:
        yield session


def attachment_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def public(view: F) -> F:
    """Mark a handler that needs no token (signing in)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def _authenticate() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "public", False):
        return
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(_("请提供有效的访问令牌（Authorization: Bearer …）。"))
    with case_service().single_read() as connection:
        g.api_actor = actor_for_token(connection, token.strip(), now())


def _check_text() -> None:
    """After the token (so a caller without one learns nothing), before any handler."""
    refuse_bad_text(request)


PATH_PARAMETERS = {
    "case_id": _("案件编号"),
    "task_id": _("任务编号"),
    "token_id": _("令牌编号"),
    "filter_id": _("筛选条件编号"),
    "user_id": _("用户编号"),
    "grant_id": _("角色授予编号"),
    "organization_id": _("单位编号"),
    "notification_id": _("通知编号"),
    "throttle_id": _("登录限制编号"),
    "sha256": _("文件的 SHA-256 校验值（64 位小写十六进制）"),
    "code": _("事项类型代码"),
    "day": _("日期，YYYY-MM-DD，1900–2999 年"),
    "key": _("配置项名称"),
    "slug": _("错误类型名，如 conflict"),
    "endpoint_id": _("接收地址编号"),
    "estate": _("小区代码，如 E01"),
}
# What a path parameter's converter cannot say: a day is a full-date of 1900–2999 and a
# file's name its hash (every other text is printable: document.path_text).
PATH_SCHEMAS = {
    "day": {"type": "string", "format": "date", "pattern": DAY_PATTERN},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class StrictParser(FlaskParser):
    """webargs' parser refusing, not dropping, a query parameter or file part no schema
    names, as it refuses an unknown field of a body: "不接受此参数" naming it."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
        "files": RAISE,
    }


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint that describes every path parameter it knows."""

    ARGUMENTS_PARSER = StrictParser()

    def route(self, rule: str, *, parameters: list | None = None, **options: Any) -> Any:
        described = [
            {
                "in": "path",
                "name": name,
                "description": PATH_PARAMETERS[name],
                **({"schema": PATH_SCHEMAS[name]} if name in PATH_SCHEMAS else {}),
            }
            for name in _RULE_PARAMETER.findall(rule)
            if name in PATH_PARAMETERS
        ]
        return super().route(rule, parameters=[*described, *(parameters or [])], **options)


def api_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint of the API: token required, errors as problem details."""
    bp = ApiBlueprint(name, __name__, url_prefix=API_PREFIX, description=description)
    bp.before_request(_authenticate)
    bp.before_request(_check_text)
    bp.register_error_handler(ServiceError, service_problem)
    bp.register_error_handler(ValidationError, validation_problem)
    bp.register_error_handler(DatabaseError, database_problem)
    return bp


def errors(bp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document the problem responses a handler can give (401 unless it is public)."""

    def decorate(view: F) -> F:
        open_to_all = getattr(view, "public", False)
        for status in list(statuses) if open_to_all else [401, *statuses]:
            view = bp.alt_response(status, response=HTTPStatus(status).name)(view)
        return bp.doc(security=[])(view) if open_to_all else view

    return decorate
