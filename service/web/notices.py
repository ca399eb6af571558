"""The signed-in user's notifications (reminders, escalations, new tasks and duties): the
unread ones on the start page, all of them, a page at a time, at ``/notifications``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.notices.notifications import (
    my_notifications,
    read_all_notifications,
    read_notification,
)
from service.notices.preferences import CHANNELS, KIND_NAMES, preferences_of, set_preferences
from service.web.common import actor, case_service, reading, web_blueprint
from workflows.i18n import _

bp = web_blueprint("notices", __name__)

PAGE_SIZE = 30


@bp.get("/notifications")
def listing() -> str:
    """All of my notifications, newest first, read ones included."""
    page = request.args.get("page", 1, type=int)
    page = page if page and page > 0 else 1
    with reading() as db:
        items, unread = my_notifications(
            db, actor(), limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
    return render_template(
        "web/notifications.html",
        items=items[:PAGE_SIZE],
        unread=unread,
        page=page,
        has_more=len(items) > PAGE_SIZE,
        kind_names=KIND_NAMES,
    )


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id: int) -> Response:
    """Mark it read and open what it is about."""
    return redirect(read_notification(case_service(), actor(), notification_id).link)


@bp.post("/notifications/read")
def read_all() -> Response:
    read_all_notifications(case_service(), actor())
    return redirect(url_for("notices.listing" if request.form.get("back") else "home.start"))


@bp.get("/notifications/preferences")
def preferences() -> str:
    """Which kinds of notification I want, in the app and by e-mail."""
    with reading() as db:
        chosen = preferences_of(db, actor())
    return render_template("web/notification_preferences.html", preferences=chosen)


@bp.post("/notifications/preferences")
def save_preferences() -> Response:
    """Every kind's two boxes: a box left unticked is a channel turned off."""
    choices = {
        kind: {channel: request.form.get(f"{kind}.{channel}") == "on" for channel in CHANNELS}
        for kind in KIND_NAMES
    }
    set_preferences(case_service(), actor(), choices)
    flash(_("通知设置已保存。"), "success")
    return redirect(url_for("notices.preferences"))
