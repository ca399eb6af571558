"""Sign-in throttles (administrators only): the clients being slowed, and lifting one."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app

from service.admin import sign_in_throttles
from service.api.common import actor, api_blueprint, case_service, errors, now, reading
from service.api.schemas.sign_in_throttles import ThrottleArgs, ThrottlePageSchema, ThrottleSchema
from workflows.i18n import _

bp = api_blueprint(
    "api_sign_in_throttles",
    _(
        "登录限制（仅系统管理员）：同一客户端地址对同一账户、或对所有账户连续输错密码后须等待，"
        "每多错一次等待加倍；这里查看并解除，解除记入管理操作记录"
    ),
)


@bp.route("/admin/sign-in-throttles", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(ThrottleArgs, location="query")
@bp.response(200, ThrottlePageSchema)
def listing(args: dict):
    """近一天内输错密码的客户端，最近的在前"""
    with reading() as session:
        found = sign_in_throttles.throttles_page(
            session,
            actor(),
            current_app.config["SIGN_IN_POLICY"],
            now(),
            args.get("q"),
            args.get("cursor"),
            args["limit"],
        )
    return {"items": [asdict(i) for i in found.items], "next_cursor": found.next_cursor}


@bp.route("/admin/sign-in-throttles/<id:throttle_id>", methods=["DELETE"])
@errors(bp, 403, 404)
@bp.response(200, ThrottleSchema)
def lift(throttle_id: int):
    """解除一条登录限制：该客户端下次登录从头计数"""
    lifted = sign_in_throttles.lift(
        case_service(), actor(), throttle_id, current_app.config["SIGN_IN_POLICY"]
    )
    return asdict(lifted)
