"""The inbox: the tasks a user may work, with the task list's filters, sorts and pages.

Filters are a plain GET form, so a filtered inbox is a link that can be bookmarked;
claiming and giving back are small POST forms on each row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import InvalidInput
from service.tasklist import InboxQuery, claim, inbox, unclaim
from service.web import reading as rd
from service.web.common import actor, case_service, now, reading, safe_next, web_blueprint
from workflows.catalogue import MATTERS
from workflows.i18n import _

bp = web_blueprint("inbox", __name__)

ASSIGNEES = {
    "mine": _("待签收及我已签收的"),
    "me": _("我已签收的"),
    "none": _("尚未签收的"),
    "any": _("全部"),
}
DUE = {"": _("全部"), "overdue": _("已超期"), "soon": _("三日内到期"), "ok": _("未超期")}
SORTS = {
    "due": _("办理期限（最早在前）"),
    "-due": _("办理期限（最晚在前）"),
    "-created": _("到达时间（最新在前）"),
    "created": _("到达时间（最早在前）"),
    "-priority": _("优先级（最高在前）"),
}
STATUSES = {"open": _("待办"), "completed": _("已办")}
FILTERS = ("matter", "estate", "due", "assignee", "sort", "status")
SOON = timedelta(days=3)


def _query(args: dict[str, str]) -> InboxQuery:
    moment = now()
    due = args.get("due", "")
    return InboxQuery(
        matter=args.get("matter") or None,
        estate=args.get("estate") or None,
        status=args.get("status", "open"),
        overdue=True if due == "overdue" else False if due == "ok" else None,
        due_before=moment + SOON if due == "soon" else None,
        assignee=args.get("assignee") if args.get("assignee") in ASSIGNEES else None,
        sort=args.get("sort", "due"),
        cursor=request.args.get("cursor") or None,
    )


@bp.get("/inbox")
def listing() -> str | tuple[str, int]:
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    problems: list[str] = []
    try:
        with reading() as db:
            estates = rd.estates_in_reach(db)
            found = inbox(db, actor(), _query(args), now())
    except InvalidInput as exc:
        problems = [m for messages in exc.messages.values() for m in messages]
        found = None
    page = render_template(
        "web/inbox.html",
        tasks=found.items if found else [],
        next_cursor=found.next_cursor if found else None,
        first_page="cursor" not in request.args,
        args=args,
        problems=problems,
        matters=MATTERS,
        estates=estates,
        assignees=ASSIGNEES,
        dues=DUE,
        sorts=SORTS,
        statuses=STATUSES,
        soon=now() + SOON,
        here=request.full_path.rstrip("?"),
    )
    return (page, 422) if problems else page


@bp.post("/tasks/<int:task_id>/claim")
def take(task_id: int) -> Response:
    claim(case_service(), actor(), task_id)
    flash(_("已签收该任务，其他人不再看到它，除非您取消签收。"), "success")
    return redirect(_back(task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
def give_back(task_id: int) -> Response:
    unclaim(case_service(), actor(), task_id)
    flash(_("已取消签收，该任务重新对所有可办理的人可见。"), "success")
    return redirect(_back(task_id))


def _back(task_id: int) -> str:
    target: Any = request.form.get("next")
    return safe_next(target) if target else url_for("tasks.show", task_id=task_id)
