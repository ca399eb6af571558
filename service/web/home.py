"""The start page: what is waiting for me, what is overdue, my cases, my drafts; and the
owners' vote rules every user may need to look up."""

from __future__ import annotations

from pathlib import Path

from flask import render_template

from service.cases import drafts
from service.cases.queries import recent_cases
from service.cases.vote_rules import vote_item_table
from service.duties import incidents
from service.notices.notifications import unread_notifications
from service.tasks.inbox import open_tasks_for, overdue_tasks
from service.web.common import actor, now, reading, web_blueprint
from workflows.vote_items import PARTICIPATION_TEXT as PARTICIPATION
from workflows.vote_items import SOURCE

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


@bp.get("/vote-rules")
def vote_rules() -> str:
    """The nine items of 民法典 278 and their thresholds, for anyone preparing a vote."""
    return render_template(
        "web/vote_rules.html", items=vote_item_table(), source=SOURCE, participation=PARTICIPATION
    )
