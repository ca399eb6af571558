"""The versioned JSON API (``/api/v1``), documented by the OpenAPI 3 document it serves.

Programs sign in with ``POST /api/v1/auth/token`` and send ``Authorization: Bearer
<token>``; every other route needs the token. Handlers are thin: they parse with the
marshmallow schemas of ``service.api.schemas`` and call the service layer, which alone
decides scope (``service.people.access``) and validity. The document is at
``/api/v1/openapi.json``; ``/api/v1/docs`` shows it with Swagger UI, served from the
``swagger-ui-dist`` package that ``./setup.sh`` installs (``SWAGGER_UI_DIR``), so the docs
work without internet access; ``OPENAPI_SWAGGER_UI_URL`` points elsewhere if wanted.
"""

from __future__ import annotations

import http
import os
from pathlib import Path
from typing import Any

from flask import Flask, request, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException
from werkzeug.routing import UnicodeConverter

from service.api import (
    admin,
    cases,
    catalogue,
    duties,
    estates,
    problem_types,
    sign_in_throttles,
    signin,
    supervision,
    tasks,
    uploads,
    webhooks,
)
from service.api.common import API_PREFIX, IdConverter
from service.api.document import DocumentPlugin, add_links, describe_forms, path_text
from service.api.problems import PROBLEM_JSON, PROBLEMS, TYPE_BASE, http_problem
from service.api.schemas.common import ProblemSchema
from service.api.schemas.webhooks import EVENT_SCHEMAS
from workflows.i18n import _

BLUEPRINTS = (
    signin.bp,
    catalogue.bp,
    cases.bp,
    tasks.bp,
    supervision.bp,
    duties.bp,
    estates.bp,
    uploads.bp,
    admin.bp,
    sign_in_throttles.bp,
    webhooks.bp,
    problem_types.bp,
)

DESCRIPTION = _(
    "红色物业·重要事项事前决策服务的接口。\n\n"
    "**登录**：`POST /api/v1/auth/token` 用用户名和密码换取令牌，其余接口在请求头中带 "
    "`Authorization: Bearer <令牌>`。\n\n"
    "**范围**：申请单位只能看到本单位的案件，社区党组织只能看到本社区的，街道只能看到所辖社区的，"
    "审计只读所辖区或街道的；范围以外的资源一律返回 404，与不存在无异。\n\n"
    "**错误**：按 RFC 9457 返回 `application/problem+json`，含 `type`、`title`、`status`、"
    "`detail`；400/422 另有 `errors`（字段路径 → 中文说明）。401 未登录，403 无权操作，"
    "404 不存在或不在范围内，409 冲突（任务已被他人签收、已办结、案件版本号过期），"
    "413 上传内容过大，503 数据库繁忙。\n\n"
    "**分页**：列表返回 `items` 和 `next_cursor`；把 `next_cursor` 作为 `cursor` 参数取下一页，"
    "为 null 时已是最后一页。游标不透明，翻页期间新增的记录不会使页面错位。"
)


class ProblemApi(Api):
    """flask-smorest's Api with RFC 9457 problems for every error it documents or raises."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            title = PROBLEMS[status][1] if status in PROBLEMS else status.phrase
            response: dict[str, Any] = {"description": title}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": _("其他错误"), "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Problems under the API's prefix; anything else keeps Flask's own answer."""
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return http_problem(error)
        return error


SWAGGER_UI_DIR = Path(
    os.environ.get(
        "SWAGGER_UI_DIR",
        Path(__file__).resolve().parents[2] / "node_modules" / "swagger-ui-dist",
    )
)


def _serve_swagger_ui(app: Flask) -> None:
    """Serve Swagger UI's script and style from the installed npm package, not a CDN."""

    @app.get(f"{API_PREFIX}/docs/assets/<path:name>")
    def swagger_ui_asset(name: str):
        return send_from_directory(SWAGGER_UI_DIR, name)


def register_api(app: Flask) -> Api:
    """Mount the API and its OpenAPI document on ``app``."""
    app.config.setdefault(
        "ATTACHMENT_DIR",
        os.environ.get("ATTACHMENT_DIR", os.path.join(app.instance_path, "attachments")),
    )
    app.config.setdefault("API_TITLE", "红色物业·重要事项事前决策 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault(
        "OPENAPI_SWAGGER_UI_URL",
        os.environ.get("OPENAPI_SWAGGER_UI_URL", f"{API_PREFIX}/docs/assets/"),
    )
    _serve_swagger_ui(app)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/", "description": _("本服务")}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
            "externalDocs": {"description": _("错误类型"), "url": TYPE_BASE.rstrip("/")},
        },
    )
    app.url_map.converters["id"] = IdConverter
    app.add_template_global(_, "_")
    api = ProblemApi(app, spec_kwargs={"marshmallow_plugin": DocumentPlugin()})
    api.register_converter(UnicodeConverter, path_text)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    for kind, schema in EVENT_SCHEMAS.items():
        api.spec.components.schema(f"WebhookEvent_{kind}", schema=schema)
    describe_forms(api.spec)
    add_links(api.spec, API_PREFIX)
    return api
