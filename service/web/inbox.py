"""The inbox: the tasks a user may work, with the task list's filters, sorts and pages.

Filters are a plain GET form, so a filtered inbox is a link that can be bookmarked;
claiming and giving back are small POST forms on each row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, InvalidInput
from service.tasklist import (
    InboxQuery,
    assign,
    case_kinds,
    claim,
    delete_filter,
    inbox,
    save_filter,
    saved_filters,
    unclaim,
)
from service.web import reading as rd
from service.web.common import actor, case_service, now, reading, safe_next, web_blueprint
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
QUERY_KEYS = ("matter", "estate", "status", "sort")  # the same in the page and the task list
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
            filters = [(f, _args_of(f.query)) for f in saved_filters(db, actor())]
    except InvalidInput as exc:
        problems = [m for messages in exc.messages.values() for m in messages]
        found = None
        filters = []
    page = render_template(
        "web/inbox.html",
        filters=filters,
        tasks=found.items if found else [],
        next_cursor=found.next_cursor if found else None,
        first_page="cursor" not in request.args,
        args=args,
        problems=problems,
        matters=case_kinds(),
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


@bp.post("/tasks/<int:task_id>/assign")
def hand_over(task_id: int) -> Response:
    """The secretary gives the task to a member (or takes it back: no one chosen)."""
    username = request.form.get("assignee", "").strip() or None
    try:
        task = assign(case_service(), actor(), task_id, username)
    except InvalidInput as exc:
        flash("；".join(m for ms in exc.messages.values() for m in ms), "error")
    else:
        if task.assignee:
            flash(_("已将任务分派给{name}。").format(name=task.assignee.display_name), "success")
        else:
            flash(_("已收回该任务，它重新对所有可办理的人可见。"), "success")
    return redirect(_back(task_id))


# -- saved filters: stored in the task list's terms, so the API applies them too ---------


def _saved_query(args: dict[str, str]) -> dict[str, Any]:
    """The page's filters as the task list's query (``InboxQuery`` field names).

    "Due within three days" is relative to the day it is used, which the task list's
    fixed ``due_before`` cannot say; it is kept under ``due`` for the pages alone.
    """
    query: dict[str, Any] = {
        k: args[k] for k in ("matter", "estate", "status", "sort") if k in args
    }
    if args.get("assignee") in ("me", "none", "any"):
        query["assignee"] = args["assignee"]
    due = args.get("due")
    if due in ("overdue", "ok"):
        query["overdue"] = due == "overdue"
    elif due == "soon":
        query["due"] = due
    return query


def _args_of(query: dict[str, Any]) -> dict[str, str]:
    """A saved query as the page's filter parameters (a link that applies it)."""
    args = {k: str(query[k]) for k in QUERY_KEYS if query.get(k)}
    if query.get("assignee") in ASSIGNEES:
        args["assignee"] = query["assignee"]
    if query.get("overdue") is not None:
        args["due"] = "overdue" if query["overdue"] else "ok"
    elif query.get("due") == "soon":
        args["due"] = "soon"
    return args


@bp.post("/inbox/filters")
def keep_filter() -> Response:
    args = {k: v for k, v in request.form.items() if k in FILTERS and v}
    name = request.form.get("name", "").strip()
    if not name:
        flash(_("请为筛选条件起一个名称。"), "error")
    else:
        try:
            save_filter(case_service(), actor(), name[:100], _saved_query(args))
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("筛选条件“{name}”已保存。").format(name=name), "success")
    return redirect(url_for(".listing", **args))


@bp.post("/inbox/filters/<int:filter_id>/delete")
def drop_filter(filter_id: int) -> Response:
    delete_filter(case_service(), actor(), filter_id)
    flash(_("筛选条件已删除。"), "success")
    return redirect(url_for(".listing"))


def _back(task_id: int) -> str:
    target: Any = request.form.get("next")
    return safe_next(target) if target else url_for("tasks.show", task_id=task_id)
