"""The start page: what is waiting for me, what is overdue, my cases, my drafts."""

from __future__ import annotations

from pathlib import Path

from flask import render_template
from sqlalchemy import case as when
from sqlalchemy import select

from service.cases import drafts
from service.core.models import Case, HumanTask
from service.duties import work as duty_work
from service.people.access import visible_cases
from service.tasks.open_tasks import open_tasks_for
from service.web.common import actor, now, reading, web_blueprint
from service.web.notices import unread_notifications

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
        overdue = list(
            db.scalars(
                select(HumanTask)
                .join(Case, Case.id == HumanTask.case_id)
                .where(
                    HumanTask.status == "open",
                    HumanTask.due_at < moment,
                    visible_cases(me),
                )
                .order_by(HumanTask.due_at)
                .limit(SHOWN)
            )
        )
        cases = list(
            db.scalars(
                select(Case)
                .where(visible_cases(me))
                .order_by(when((Case.status == "running", 0), else_=1), Case.filed_at.desc())
                .limit(SHOWN)
            )
        )
        estates = {c.id: c.estate.name for c in cases}
        saved = drafts.drafts_of(db, me.user_id) if "applicant" in me.roles() else []
        notices = unread_notifications(db, me)
        may_report = bool(duty_work.reporters(db, me))
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
