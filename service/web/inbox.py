"""The inbox: the tasks a user may work, with the task list's filters, sorts and pages.

Filters are a plain GET form, so a filtered inbox is a link that can be bookmarked;
claiming, giving back and (for the secretary) assigning are small POST forms on each
row, which come back to the same inbox page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.cases.catalogue import case_kinds
from service.cases.readable import estates_in_reach
from service.core.errors import Conflict, InvalidInput
from service.tasks.claiming import UNCHECKED, assign, assignees_by_task, claim, unclaim
from service.tasks.inbox import InboxQuery, inbox
from service.tasks.inbox_workbook import inbox_xlsx
from service.tasks.saved_filters import delete_filter, save_filter, saved_filters
from service.web.common import (
    actor,
    case_service,
    now,
    reading,
    safe_next,
    web_blueprint,
    xlsx_download,
)
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
            estates = estates_in_reach(db, actor())
            found = inbox(db, actor(), _query(args), now())
            candidates = _beyond_claiming(
                assignees_by_task(db, actor(), (t.id for t in found.items)), actor().user_id
            )
            filters = [(f, _args_of(f.query)) for f in saved_filters(db, actor())]
    except InvalidInput as exc:
        problems = [m for messages in exc.messages.values() for m in messages]
        found = None
        filters = []
        candidates = {}
    page = render_template(
        "web/inbox.html",
        filters=filters,
        tasks=found.items if found else [],
        candidates=candidates,
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


@bp.get("/inbox.xlsx")
def listing_xlsx() -> Response:
    """Every task the inbox's filters find, as an Excel workbook."""
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    with reading() as db:
        data = inbox_xlsx(db, actor(), _query(args), now())
    return xlsx_download(data, "inbox.xlsx")


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


def _beyond_claiming(candidates: dict[int, list[Any]], me: int) -> dict[int, list[Any]]:
    """Rows offer assigning only where it does more than 签收: a step only the viewer may
    work (the secretary's acceptance check, say) gets no second control for the same act."""
    return {task: people for task, people in candidates.items() if [p.id for p in people] != [me]}


@bp.post("/inbox/tasks/<int:task_id>/assign")
def assign_from_row(task_id: int) -> Response:
    """Hand a task to someone from its inbox row, then back to the same inbox page.

    The row says whom it showed holding the task (``seen``), so a task someone claimed or
    was given in the meantime is not taken from them. Refusals come back as a message.
    """
    seen = request.form.get("seen")
    try:
        task = assign(
            case_service(),
            actor(),
            task_id,
            request.form.get("assignee", "").strip(),
            expected_assignee_id=UNCHECKED if seen is None else _user_id(seen),
        )
    except InvalidInput as exc:
        reason = "；".join(m for ms in exc.messages.values() for m in ms)
        flash(_("未能分派该任务：{reason}").format(reason=reason), "error")
    except Conflict as exc:
        flash(_("未能分派该任务：{reason}").format(reason=exc.message), "error")
    else:
        name = task.assignee.display_name if task.assignee else ""
        flash(
            _("已将“{step}”（{case}）分派给{name}。").format(
                step=task.name, case=task.case_title, name=name
            ),
            "success",
        )
    return redirect(_back_to_inbox())


def _user_id(value: str) -> int | None:
    """A user id from a form field; empty (or anything else) means nobody."""
    return int(value) if value.isdigit() else None


def _back_to_inbox() -> str:
    """The inbox page the row was on, filters, sort and page kept, if it is a path here."""
    target = request.form.get("next", "")
    return target if target and safe_next(target) == target else url_for(".listing")


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
