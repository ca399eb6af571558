"""The signed-in user's unread notifications (reminders, escalations, new duties)."""

from __future__ import annotations

from flask import redirect, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.access import Actor
from service.models import Notification
from service.notifications import mark_all_read, mark_read, notifications_for
from service.web.common import actor, case_service, web_blueprint

bp = web_blueprint("notices", __name__)

SHOWN = 10


def unread_notifications(session: Session, who: Actor) -> list[Notification]:
    return notifications_for(session, who.user_id, unread_only=True, limit=SHOWN)


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
    return redirect(url_for("home.start"))
