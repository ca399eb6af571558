"""The start page: what is waiting for me, what is overdue, my cases, my drafts."""

from __future__ import annotations

from pathlib import Path

from flask import render_template

from service.cases import drafts
from service.cases.queries import recent_cases
from service.duties import incidents
from service.notices.notifications import unread_notifications
from service.tasks.inbox import open_tasks_for, overdue_tasks
from service.web.common import actor, now, reading, web_blueprint

bp = web_blueprint(
    "home", __name__, static_folder=str(Path(__file__).parent / "static"), static_url_path="/assets"
)

SHOWN = 10


@bp.get("/")
def start() -> str:
    me = actor()
    moment = now()
    with reading() as db:
        mine = open_tasks_for(db, me, limit=SHOWN)
        overdue = overdue_tasks(db, me, moment, limit=SHOWN)
        cases = recent_cases(db, me, limit=SHOWN)
        estates = {c.id: c.estate.name for c in cases}
        saved = drafts.drafts_of(db, me.user_id) if "applicant" in me.roles() else []
        notices = unread_notifications(db, me, limit=SHOWN)
        may_report = bool(incidents.reporters(db, me))
    return render_template(
        "web/start.html",
        tasks=mine,
        overdue=overdue,
        cases=cases,
        estates=estates,
        drafts=saved,
        notices=notices,
        roles=me.roles(),
        may_report=may_report,
    )
