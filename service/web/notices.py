"""The signed-in user's notifications (reminders, escalations, new tasks and duties): the
unread ones on the start page, all of them, a page at a time, at ``/notifications``."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.core.models import Notification
from service.duties.work import my_notifications
from service.notices.notifications import mark_all_read, mark_read, notifications_for
from service.people.access import Actor
from service.web.common import actor, case_service, reading, web_blueprint
from workflows.i18n import _

bp = web_blueprint("notices", __name__)

SHOWN = 10
PAGE_SIZE = 30
KIND_NAMES = {
    "reminder": _("即将到期"),
    "overdue": _("已超期"),
    "escalation": _("督办"),
    "new_task": _("新任务"),
}


def unread_notifications(session: Session, who: Actor) -> list[Notification]:
    return notifications_for(session, who.user_id, unread_only=True, limit=SHOWN)


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
    with case_service().transaction() as db:
        mark_read(db, actor().user_id, notification_id, case_service().clock.now())
        case_id = db.get(Notification, notification_id).case_id
    if case_id is None:
        return redirect(url_for("home.start"))
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/notifications/read")
def read_all() -> Response:
    with case_service().transaction() as db:
        mark_all_read(db, actor().user_id, case_service().clock.now())
    return redirect(url_for("notices.listing" if request.form.get("back") else "home.start"))
