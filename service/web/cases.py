"""The case pages: the list of cases in reach, and one case with its history and diagram."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.cases.attachments import case_file
from service.cases.case_workbook import cases_xlsx
from service.cases.diagrams import live_diagrams
from service.cases.queries import CaseFilter, case_detail
from service.cases.request_document import chinese_numeral, request_document
from service.cases.vote_rules import case_vote_rule
from service.cases.written_reply import reply_document
from service.core.errors import InvalidInput
from service.core.pdf import PDF_MIMETYPE, pdf_of
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
    xlsx_download,
)
from service.web.history_workbook import history_xlsx
from service.web.uploads import attachments_dir, download
from workflows.catalogue import MATTERS
from workflows.i18n import _

bp = web_blueprint("cases", __name__)

PAGE_SIZE = 20
FILING_TITLE = _("请示标题")  # the document's heading, not one of its parts


def _listing_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ("status", "matter", "estate", "q") and v}


def _listing_filter(args: dict[str, str]) -> CaseFilter:
    return CaseFilter(
        matter=args.get("matter"),
        estate=args.get("estate"),
        status=args.get("status"),
        text=args.get("q"),
        cursor=request.args.get("cursor") or None,
        limit=PAGE_SIZE,
    )


@bp.get("/cases")
def listing() -> str | tuple[str, int]:
    args = _listing_args()
    return search_page("web/case_list.html", args, _listing_filter(args))


@bp.get("/cases.xlsx")
def listing_xlsx() -> Response:
    """Every case the list's filters find, as an Excel workbook."""
    with reading() as db:
        data = cases_xlsx(db, actor(), _listing_filter(_listing_args()))
    return xlsx_download(data, "cases.xlsx")


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
        printable_request=case.matter_type in MATTERS,
    )


def _links(case_id: int, pdf: str) -> dict[str, str]:
    return {"back": url_for(".show", case_id=case_id), "pdf": url_for(pdf, case_id=case_id)}


def _pdf(html: str, filename: str) -> Response:
    return Response(
        pdf_of(html),
        mimetype=PDF_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/cases/<int:case_id>/reply")
def reply(case_id: int) -> str:
    """The signed 批复, laid out for printing (the same document the API serves)."""
    with reading() as db:
        document = reply_document(db, actor(), case_id)
    return render_template("reply.html", doc=document, links=_links(case_id, ".reply_pdf"))


@bp.get("/cases/<int:case_id>/reply.pdf")
def reply_pdf(case_id: int) -> Response:
    """The 批复 as PDF, drawn on the server from the printed page."""
    with reading() as db:
        document = reply_document(db, actor(), case_id)
    return _pdf(render_template("reply.html", doc=document), f"reply-{case_id}.pdf")


def _request_page(case_id: int, links: dict[str, str] | None) -> str:
    with reading() as db:
        document = request_document(db, actor(), case_id)
    shown = [
        (chinese_numeral(n), label, value)
        for n, (label, value) in enumerate(
            (
                fact
                for fact in rd.facts(rd.filing_specs(document.matter_type), document.request)
                if fact[0] != FILING_TITLE
            ),
            start=1,
        )
    ]
    return render_template("request.html", doc=document, facts=shown, links=links)


@bp.get("/cases/<int:case_id>/request")
def request_print(case_id: int) -> str:
    """The 请示 as filed (as the last 补正 left it), laid out for printing."""
    return _request_page(case_id, _links(case_id, ".request_pdf"))


@bp.get("/cases/<int:case_id>/request.pdf")
def request_pdf(case_id: int) -> Response:
    """The 请示 as PDF, drawn on the server from the printed page."""
    return _pdf(_request_page(case_id, None), f"request-{case_id}.pdf")


@bp.get("/cases/<int:case_id>/history.xlsx")
def history_download(case_id: int) -> Response:
    """The case's history as an Excel workbook, one row per entry."""
    with reading() as db:
        history = case_history(db, actor(), case_id)
        data = history_xlsx(history)
    return xlsx_download(data, f"case-{case_id}-history.xlsx")


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
