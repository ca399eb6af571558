"""The administrator's page of sign-in throttles: who is being slowed, and lifting one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.admin import sign_in_throttles
from service.web.common import actor, case_service, now, reading, require_role, web_blueprint
from workflows.i18n import _

bp = web_blueprint("throttles", __name__)
PAGE_SIZE = 30
KINDS = {"account": _("账户 + 地址"), "address": _("地址（所有账户）")}


@bp.before_request
def _admins_only() -> None:
    require_role("admin")


@bp.get("/admin/sign-in-throttles")
def listing() -> str:
    cursor = request.args.get("cursor") or None
    search = request.args.get("q", "").strip() or None
    with reading() as db:
        found = sign_in_throttles.throttles_page(
            db, actor(), current_app.config["SIGN_IN_POLICY"], now(), search, cursor, PAGE_SIZE
        )
    return render_template(
        "web/admin_throttles.html",
        rows=found.items,
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        search=search or "",
        kinds=KINDS,
    )


@bp.post("/admin/sign-in-throttles/<int:throttle_id>/lift")
def lift(throttle_id: int) -> Response:
    lifted = sign_in_throttles.lift(
        case_service(), actor(), throttle_id, current_app.config["SIGN_IN_POLICY"]
    )
    flash(
        _("已解除 {who} 的登录限制。").format(
            who=f"{lifted.username}@{lifted.address}" if lifted.username else lifted.address
        ),
        "success",
    )
    return redirect(url_for(".listing"))
