"""Errors as RFC 9457 problem details (``application/problem+json``), never a bare 500.

Every answer that is not a success has ``type``, ``title``, ``status`` and ``detail``;
bad input (400/422) adds ``errors``: field path → Chinese messages. Out-of-scope reads as
404, exactly like a missing resource, so no caller learns what exists outside its scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, json, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.core.db import DatabaseError, database_failure
from service.core.errors import OpenCaseExists, ServiceError, TooManyAttempts
from workflows.i18n import _

PROBLEM_JSON = "application/problem+json"
# Relative to the service (RFC 9457 §3.1.1); GET on one describes it (problem_types.py).
TYPE_BASE = "/api/v1/problems/"

# status → (type slug, title, default detail)
PROBLEMS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", _("请求有误"), _("请求的格式不正确。")),
    401: ("unauthenticated", _("需要登录"), _("请提供有效的访问令牌（Authorization: Bearer …）。")),
    403: ("forbidden", _("没有权限"), _("您没有进行此操作的权限。")),
    404: ("not-found", _("未找到"), _("没有找到该资源，或您无权查看。")),
    405: ("method-not-allowed", _("不支持的请求方法"), _("该地址不支持此请求方法。")),
    406: ("not-acceptable", _("无法提供该格式"), _("无法按请求的格式返回内容。")),
    409: ("conflict", _("操作冲突"), _("该操作与当前状态冲突，请刷新后重试。")),
    412: ("precondition-failed", _("前提条件不满足"), _("请求的前提条件不满足。")),
    413: (
        "payload-too-large",
        _("上传内容过大"),
        _("上传的内容超过了允许的大小，请压缩或拆分后重新上传。"),
    ),
    415: ("unsupported-media-type", _("不支持的内容类型"), _("请求体的内容类型不受支持。")),
    422: ("invalid-input", _("提交的数据有误"), _("提交的数据有误，请按提示修改后重新提交。")),
    429: ("too-many-requests", _("请求过于频繁"), _("请求过于频繁，请稍后再试。")),
    500: ("internal-error", _("服务内部错误"), _("服务出现意外错误，请稍后再试。")),
    503: ("unavailable", _("服务暂时不可用"), _("数据库繁忙，请稍后重试。")),
}

_WEBARGS_MESSAGES = {
    "Invalid JSON body.": _("请求体不是有效的 JSON。"),
}


def problem(
    status: int,
    detail: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    slug, title, default_detail = PROBLEMS.get(status, PROBLEMS[500 if status >= 500 else 400])
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail or default_detail,
    }
    if errors:
        body["errors"] = {key: list(messages) for key, messages in errors.items()}
    body.update(extensions or {})
    response = Response(json.dumps(body, ensure_ascii=False), status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="prior-approval"'
    return response


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow/webargs messages as "field.index.field" → [messages]."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for name, texts in flatten(value, path).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    texts = messages if isinstance(messages, list) else [messages]
    if texts and not all(isinstance(t, str) for t in texts):
        flat = {}
        for text in texts:
            for name, more in flatten(text, prefix).items():
                flat.setdefault(name, []).extend(more)
        return flat
    return {prefix or "_schema": [_WEBARGS_MESSAGES.get(t, t) for t in texts]}


def _without_location(messages: Any) -> Any:
    """webargs nests messages under their location ("json", "query"…): drop that level."""
    if isinstance(messages, Mapping) and len(messages) == 1:
        location, inner = next(iter(messages.items()))
        if location in ("json", "query", "querystring", "form", "files", "headers", "view_args"):
            return inner
    return messages


def http_problem(error: HTTPException) -> Response:
    """A werkzeug HTTP error (routing, webargs validation, size limit) as a problem."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    headers.update(data.get("headers") or {})
    errors = None
    if "messages" in data:
        errors = flatten(_without_location(data["messages"]))
    return problem(status, errors=errors, headers=headers)


def service_problem(error: ServiceError) -> Response:
    errors = getattr(error, "messages", None)
    headers = None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    if isinstance(error, OpenCaseExists):
        return open_case_problem(error)
    return problem(error.status, error.message, errors, headers)


def open_case_problem(error: OpenCaseExists) -> Response:
    """409 naming the open case of an exclusive matter, with its page and its API address."""
    page = url_for("cases.show", case_id=error.case_id)
    return problem(
        409,
        _("{message}查看该案件：{page}").format(message=error.message, page=page),
        extensions={
            "open_case": {
                "id": error.case_id,
                "title": error.title,
                "url": page,
                "api_url": url_for("api_cases.case", case_id=error.case_id),
            }
        },
    )


def validation_problem(error: ValidationError) -> Response:
    return problem(422, errors=flatten(error.messages))


def database_problem(error: DatabaseError) -> Response:
    """A write that lost a race with another one: conflict, or the database is busy."""
    failure = database_failure(error)
    if failure == "conflict":
        return problem(409, _("数据已被他人同时修改，请刷新后重试。"))
    if failure == "unavailable":
        return problem(503, headers={"Retry-After": "1"})
    return problem(422, _("提交的内容包含无法保存的字符，或数值超出了允许的范围。"))
