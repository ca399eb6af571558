"""The problem types the API answers with: what each ``type`` URI of a problem means.

Problem details name their type with a URI reference relative to the API
(``/api/v1/problems/conflict``); dereferenced, it describes the type (RFC 9457 §3.1.1).
"""

from __future__ import annotations

from service.api.common import api_blueprint, errors, public
from service.api.problems import PROBLEMS, TYPE_BASE
from service.api.schemas.common import ProblemTypeSchema
from service.core.errors import NotFound
from workflows.i18n import _

bp = api_blueprint("api_problems", "错误类型：错误响应中 type 所指的各类问题的说明")


def _described(status: int) -> dict:
    slug, title, detail = PROBLEMS[status]
    return {"type": TYPE_BASE + slug, "title": title, "status": status, "description": detail}


@bp.route("/problems", methods=["GET"])
@errors(bp)
@bp.response(200, ProblemTypeSchema(many=True))
@public
def problem_types():
    """全部错误类型"""
    return [_described(status) for status in sorted(PROBLEMS)]


@bp.route("/problems/<string(maxlength=64):slug>", methods=["GET"])
@errors(bp, 404)
@bp.response(200, ProblemTypeSchema)
@public
def problem_type(slug: str):
    """一种错误类型的说明"""
    for status, (known, _title, _detail) in PROBLEMS.items():
        if known == slug:
            return _described(status)
    raise NotFound(_("没有这种错误类型。"))
