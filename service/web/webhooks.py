"""The administrator's webhook pages: the receivers, registering one, and a receiver's
deliveries with every try (service/notices/webhooks.py sends them)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.admin import webhooks
from service.core.errors import InvalidInput
from service.notices.preferences import HANDOFF_NAMES
from service.web.common import actor, case_service, reading, require_role, web_blueprint
from workflows.i18n import _

bp = web_blueprint("webhooks", __name__)
STATUS_NAMES = {"pending": _("待发送"), "delivered": _("已送达"), "failed": _("已放弃")}


@bp.before_request
def _admins_only() -> None:
    require_role("admin")


def _render(errors: dict | None = None, form: dict | None = None) -> str:
    with reading() as db:
        rows = webhooks.endpoints(db, actor())
        scopes = webhooks.scope_choices(db, actor())
    return render_template(
        "web/admin_webhooks.html",
        rows=rows,
        scopes=scopes,
        kind_names=HANDOFF_NAMES,
        errors=errors or {},
        form=form or {},
    )


@bp.get("/admin/webhooks")
def listing() -> str:
    return _render()


@bp.post("/admin/webhooks")
def register() -> tuple[str, int] | Response:
    scope, _sep, scope_id = request.form.get("scope", "").partition(":")
    chosen = int(scope_id) if scope_id.isdigit() else None
    try:
        created = webhooks.register(
            case_service(),
            actor(),
            request.form.get("url", ""),
            request.form.getlist("kinds"),
            organization_id=chosen if scope == "organization" else None,
            place_id=chosen if scope == "place" else None,
        )
    except InvalidInput as exc:
        return _render(exc.messages, request.form.to_dict()), exc.status
    flash(_("已登记接收地址 {url}，签名密钥见下表。").format(url=created.url), "success")
    return redirect(url_for(".deliveries", endpoint_id=created.id))


@bp.get("/admin/webhooks/<int:endpoint_id>")
def deliveries(endpoint_id: int) -> str:
    with reading() as db:
        endpoint, rows = webhooks.deliveries(db, actor(), endpoint_id)
    return render_template(
        "web/admin_webhook.html",
        endpoint=endpoint,
        rows=rows,
        kind_names=HANDOFF_NAMES,
        status_names=STATUS_NAMES,
    )
