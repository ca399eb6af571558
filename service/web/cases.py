"""The case pages: the list of cases in reach, and one case with its history and diagram."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.cases.attachments import case_file
from service.cases.diagrams import live_diagrams
from service.cases.queries import CaseFilter, case_detail
from service.cases.vote_rules import case_vote_rule
from service.cases.written_reply import reply_document
from service.core.errors import InvalidInput
from service.history.audit import case_history
from service.people.access import may_comment
from service.tasks.comments import add_comment
from service.tasks.inbox import workable_task_ids
from service.web import reading as rd
from service.web.case_search import search_page
from service.web.common import (
    MATTER_SUB_TYPES,
    actor,
    case_service,
    now,
    reading,
    web_blueprint,
)
from service.web.uploads import attachments_dir, download
from workflows.i18n import _

bp = web_blueprint("cases", __name__)

PAGE_SIZE = 20


@bp.get("/cases")
def listing() -> str | tuple[str, int]:
    args = {k: v for k, v in request.args.items() if k in ("status", "matter", "estate", "q") and v}
    return search_page(
        "web/case_list.html",
        args,
        CaseFilter(
            matter=args.get("matter"),
            estate=args.get("estate"),
            status=args.get("status"),
            text=args.get("q"),
            cursor=request.args.get("cursor") or None,
            limit=PAGE_SIZE,
        ),
    )


@bp.get("/cases/<int:case_id>")
def show(case_id: int) -> str:
    moment = now()
    with reading() as db:
        detail = case_detail(db, actor(), case_id, moment)
        history = case_history(db, actor(), case_id)
        case, events, users = history.case, history.events, history.people
        workable = workable_task_ids(db, actor(), case)
        diagrams = live_diagrams(db, case, moment)
        may_remark = may_comment(actor(), case)
        rule = case_vote_rule(db, case)
    timeline = [
        (
            event,
            users.get(event.actor_id),
            rd.event_title(event),
            rd.event_facts(event, case.matter_type, users),
        )
        for event in events
    ]
    return render_template(
        "web/case.html",
        case=case,
        detail=detail,
        parties=history.parties,
        sub_type=MATTER_SUB_TYPES.get(case.matter_type, {}).get(case.sub_type, ""),
        request_facts=rd.facts(rd.filing_specs(case.matter_type), detail.request),
        workable=workable,
        votes=[(vote, rd.vote_lines(vote)) for vote in detail.vote_results],
        vote_basis=rule.basis if rule else "",
        timeline=timeline,
        attachments=rd.attachments_of(events, case.matter_type),
        diagrams=diagrams,
        may_remark=may_remark,
    )


@bp.get("/cases/<int:case_id>/reply")
def reply(case_id: int) -> str:
    """The signed 批复, laid out for printing (the same document the API serves)."""
    with reading() as db:
        document = reply_document(db, actor(), case_id)
    return render_template("reply.html", doc=document)


@bp.get("/cases/<int:case_id>/files/<sha256>")
def attachment(case_id: int, sha256: str) -> Response:
    with reading() as db:
        stored = case_file(db, actor(), attachments_dir(), case_id, sha256)
    return download(stored)


@bp.post("/cases/<int:case_id>/comments")
def comment(case_id: int) -> Response:
    """A remark on the case; it joins the case's history like every other entry."""
    try:
        add_comment(case_service(), actor(), case_id, request.form.get("body", ""))
    except InvalidInput as exc:
        flash("；".join(m for ms in exc.messages.values() for m in ms), "error")
    else:
        flash(_("备注已添加。"), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="timeline-title"))
