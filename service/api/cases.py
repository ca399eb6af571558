"""Cases: file, search, read; comments; history, replay, verification; the written reply."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from flask import Response, render_template, send_file, url_for

from service.api.common import actor, api_blueprint, attachment_dir, case_service, errors, now
from service.api.common import reading as read
from service.api.schemas.cases import (
    CaseArgs,
    CaseDetailSchema,
    CaseFilingSchema,
    CasePageSchema,
    CommentCreateSchema,
    CommentPageSchema,
    CommentSchema,
    EventPageSchema,
    ReplayArgs,
    ReplayedStateSchema,
    VerificationSchema,
)
from service.api.schemas.common import PageArgs
from service.cases import attachments, case_workbook, filing, written_reply
from service.cases import queries as case_queries
from service.core.pdf import PDF_MIMETYPE, pdf_of
from service.core.workbook import XLSX_MIMETYPE
from service.history import audit
from service.tasks import comments as task_comments

bp = api_blueprint("api_cases", "案件：提出请示、查询、详情、意见、历史记录、重演、校验和书面批复")

ETAG = {"ETag": {"description": "案件版本号，可用于 If-Match", "schema": {"type": "string"}}}
CREATED = {
    **ETAG,
    "Location": {"description": "新案件的地址", "schema": {"type": "string"}},
}
FILE = {"type": "string", "format": "binary"}


def case_body(detail: case_queries.CaseDetail) -> dict[str, Any]:
    """The detail as one flat object: the summary's fields and the rest beside them."""
    rest = {f.name: getattr(detail, f.name) for f in fields(detail) if f.name != "summary"}
    return {**asdict(detail.summary), **{k: _plain(v) for k, v in rest.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return value


def etag(revision: int) -> dict[str, str]:
    return {"ETag": f'"{revision}"'}


def detail_response(case_id: int, status: int = 200) -> tuple[dict, int, dict]:
    with read() as session:
        detail = case_queries.case_detail(session, actor(), case_id, now())
    headers = etag(detail.summary.revision)
    if status == 201:
        headers["Location"] = url_for("api_cases.case", case_id=case_id)
    return case_body(detail), status, headers


def file_response(stored: attachments.StoredFile) -> Response:
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def binary_responses(blueprint: Any) -> Any:
    """Document a download in each content type an attachment can have."""

    def decorate(view: Any) -> Any:
        for content_type in sorted(set(attachments.ALLOWED_TYPES.values())):
            view = blueprint.alt_response(
                200, schema=FILE, content_type=content_type, success=True
            )(view)
        return view

    return decorate


@bp.route("/cases", methods=["POST"])
@errors(bp, 403, 409, 422)
@bp.arguments(CaseFilingSchema)
@bp.response(201, CaseDetailSchema, headers=CREATED)
def file_case(body: dict):
    """提出请示（申请单位）；附件须先上传"""
    case_id = filing.file_case(case_service(), actor(), body)
    return detail_response(case_id, 201)


@bp.route("/cases", methods=["GET"])
@errors(bp, 422)
@bp.arguments(CaseArgs, location="query")
@bp.response(200, CasePageSchema)
def search_cases(args: dict):
    """查询我有权查看的案件，按提交时间倒序，游标分页"""
    with read() as session:
        page = case_queries.search_cases(session, actor(), case_queries.CaseFilter.of(args))
    return {"items": [asdict(c) for c in page.items], "next_cursor": page.next_cursor}


@bp.route("/cases/<id:case_id>", methods=["GET"])
@errors(bp, 404)
@bp.response(200, CaseDetailSchema, headers=ETAG)
def case(case_id: int):
    """案件详情：状态、当前步骤、待办任务、书面批复、表决结果、版本号"""
    return detail_response(case_id)


@bp.route("/cases/<id:case_id>/comments", methods=["GET"])
@errors(bp, 404, 422)
@bp.arguments(PageArgs, location="query")
@bp.response(200, CommentPageSchema)
def comments(args: dict, case_id: int):
    """案件的意见，按时间顺序"""
    with read() as session:
        page = task_comments.comments_page(
            session, actor(), case_id, args.get("cursor"), args["limit"]
        )
    return {"items": [asdict(c) for c in page.items], "next_cursor": page.next_cursor}


@bp.route("/cases/<id:case_id>/comments", methods=["POST"])
@errors(bp, 403, 404, 422)
@bp.arguments(CommentCreateSchema)
@bp.response(201, CommentSchema)
def add_comment(body: dict, case_id: int):
    """发表意见（可针对案件中的某个任务）；记入案件历史"""
    comment = task_comments.add_comment(
        case_service(), actor(), case_id, body["body"], body.get("task_id")
    )
    return asdict(comment)


@bp.route("/cases/<id:case_id>/events", methods=["GET"])
@errors(bp, 404, 422)
@bp.arguments(PageArgs, location="query")
@bp.response(200, EventPageSchema)
def events(args: dict, case_id: int):
    """案件历史记录（哈希链），按顺序分页"""
    with read() as session:
        page = audit.events_page(session, actor(), case_id, args.get("cursor"), args["limit"])
    return {"items": [asdict(e) for e in page.items], "next_cursor": page.next_cursor}


@bp.route("/cases/<id:case_id>/replay", methods=["GET"])
@errors(bp, 404, 409, 422)
@bp.arguments(ReplayArgs, location="query")
@bp.response(200, ReplayedStateSchema)
def replay(args: dict, case_id: int):
    """从第一条记录重演到指定记录：当时的状态、待办任务和数据"""
    with read() as session:
        return asdict(audit.replay_to(session, actor(), case_id, args["upto"]))


@bp.route("/cases/<id:case_id>/verification", methods=["GET"])
@errors(bp, 404)
@bp.response(200, VerificationSchema)
def verification(case_id: int):
    """校验案件历史：哈希链、重演结果与存储状态是否一致"""
    with read() as session:
        return audit.verification(session, actor(), case_id)


@bp.route("/cases/<id:case_id>/reply", methods=["GET"])
@errors(bp, 404)
@bp.response(200, {"type": "string"}, content_type="text/html")
def reply(case_id: int):
    """书面批复（可打印的 HTML 公文）"""
    with read() as session:
        document = written_reply.reply_document(session, actor(), case_id)
    return Response(render_template("reply.html", doc=document), mimetype="text/html")


@bp.route("/cases.xlsx", methods=["GET"])
@errors(bp, 422)
@bp.arguments(CaseArgs, location="query")
@bp.response(200, FILE, content_type=XLSX_MIMETYPE)
def cases_xlsx(args: dict):
    """查询结果（Excel 下载）：筛选条件同 GET /cases，导出全部符合条件的案件（不分页）"""
    with read() as session:
        data = case_workbook.cases_xlsx(session, actor(), case_queries.CaseFilter.of(args))
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=cases.xlsx"},
    )


@bp.route("/cases/<id:case_id>/reply.pdf", methods=["GET"])
@errors(bp, 404)
@bp.response(200, FILE, content_type=PDF_MIMETYPE)
def reply_pdf(case_id: int):
    """书面批复（PDF，由服务器按打印版式生成，可直接存档）"""
    with read() as session:
        document = written_reply.reply_document(session, actor(), case_id)
    return Response(
        pdf_of(render_template("reply.html", doc=document)),
        mimetype=PDF_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename=reply-{case_id}.pdf"},
    )


@bp.route("/cases/<id:case_id>/attachments/<string(length=64):sha256>", methods=["GET"])
@errors(bp, 404)
@binary_responses(bp)
def case_attachment(case_id: int, sha256: str):
    """下载案件中引用的附件"""
    with read() as session:
        stored = attachments.case_file(session, actor(), attachment_dir(), case_id, sha256)
    return file_response(stored)
