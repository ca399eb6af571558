"""The task list: my inbox, one task, claim / unclaim / assign, dates and priority,
completion with the step's form, the task's history, saved filters."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, url_for

from service.api.cases import ETAG, detail_response, etag
from service.api.common import actor, api_blueprint, case_service, errors, now, reading
from service.api.schemas.cases import CaseDetailSchema, EventSchema
from service.api.schemas.tasks import (
    AssignSchema,
    CompleteHeaders,
    CompleteSchema,
    InboxArgs,
    SavedFilterCreateSchema,
    SavedFilterSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskSchema,
    TaskUpdateSchema,
)
from service.core.errors import InvalidInput
from service.core.workbook import XLSX_MIMETYPE
from service.tasks import arrangement, claiming, completion, inbox_workbook
from service.tasks import inbox as task_list
from service.tasks import saved_filters as filters
from workflows.i18n import _

bp = api_blueprint("api_tasks", "任务：待办箱、签收、分派、期限与优先级、办理、任务历史、筛选条件")


@bp.route("/tasks", methods=["GET"])
@errors(bp, 422)
@bp.arguments(InboxArgs, location="query")
@bp.response(200, TaskPageSchema)
def inbox(args: dict):
    """我的待办：我可以办理的任务，可筛选、排序，游标分页"""
    with reading() as session:
        page = task_list.inbox(session, actor(), task_list.InboxQuery.of(args), now())
    return {"items": [asdict(t) for t in page.items], "next_cursor": page.next_cursor}


@bp.route("/tasks.xlsx", methods=["GET"])
@errors(bp, 422)
@bp.arguments(InboxArgs, location="query")
@bp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
def inbox_xlsx(args: dict):
    """我的待办（Excel 下载）：筛选条件同 GET /tasks，导出全部符合条件的任务（不分页）"""
    with reading() as session:
        data = inbox_workbook.inbox_xlsx(session, actor(), task_list.InboxQuery.of(args), now())
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=inbox.xlsx"},
    )


@bp.route("/tasks/<id:task_id>", methods=["GET"])
@errors(bp, 404)
@bp.response(200, TaskDetailSchema)
def task(task_id: int):
    """任务详情及其表单"""
    with reading() as session:
        return asdict(task_list.task_detail(session, actor(), task_id, now()))


@bp.route("/tasks/<id:task_id>", methods=["PATCH"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(TaskUpdateSchema)
@bp.response(200, TaskSchema)
def update_task(body: dict, task_id: int):
    """修改办理期限、跟进日期或优先级（记入案件历史）"""
    return asdict(arrangement.update_task(case_service(), actor(), task_id, body))


@bp.route("/tasks/<id:task_id>/history", methods=["GET"])
@errors(bp, 404)
@bp.response(200, EventSchema(many=True))
def task_history(task_id: int):
    """该任务的历史：签收、分派、修改、意见、办结"""
    with reading() as session:
        return [asdict(e) for e in task_list.task_history(session, actor(), task_id)]


@bp.route("/tasks/<id:task_id>/claim", methods=["POST"])
@errors(bp, 403, 404, 409)
@bp.response(200, TaskSchema)
def claim(task_id: int):
    """签收任务"""
    return asdict(claiming.claim(case_service(), actor(), task_id))


@bp.route("/tasks/<id:task_id>/unclaim", methods=["POST"])
@errors(bp, 403, 404, 409)
@bp.response(200, TaskSchema)
def unclaim(task_id: int):
    """退回签收（书记可收回他人签收的任务）"""
    return asdict(claiming.unclaim(case_service(), actor(), task_id))


@bp.route("/tasks/<id:task_id>/assign", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(AssignSchema)
@bp.response(200, TaskSchema)
def assign(body: dict, task_id: int):
    """分派任务（社区党组织书记）"""
    return asdict(claiming.assign(case_service(), actor(), task_id, body["assignee"]))


def _expected_revision(body: dict, headers: dict) -> int | None:
    from_body = body.get("revision")
    header = headers.get("if_match")
    if header is None:
        return from_body
    from_header = int(header.removeprefix("W/").strip('"'))
    if from_body is not None and from_body != from_header:
        raise InvalidInput({"revision": [_("与 If-Match 中的版本号不一致。")]})
    return from_header


MINIMAL = {
    **ETAG,
    "Content-Location": {"description": "案件详情的地址", "schema": {"type": "string"}},
    "Preference-Applied": {"description": "return=minimal", "schema": {"type": "string"}},
}


def _wants_minimal(headers: dict) -> bool:
    """RFC 7240: ``Prefer: return=minimal`` among the preferences, any others ignored."""
    preferences = (p.strip().lower() for p in headers.get("prefer", "").split(","))
    return "return=minimal" in preferences


@bp.route("/tasks/<id:task_id>/complete", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(CompleteSchema)
@bp.arguments(CompleteHeaders, location="headers")
@bp.response(200, CaseDetailSchema, headers=ETAG)
@bp.alt_response(204, description="已办理（Prefer: return=minimal）", headers=MINIMAL)
def complete(body: dict, headers: dict, task_id: int):
    """办理任务：提交该步骤的表单；版本号不符时 409

    返回办理后的案件详情；请求头带 `Prefer: return=minimal` 时只回 204，
    新版本号在 ETag 中，案件地址在 Content-Location 中。
    """
    done = completion.complete(
        case_service(), actor(), task_id, body["data"], _expected_revision(body, headers)
    )
    if _wants_minimal(headers):
        return Response(
            status=204,
            headers={
                **etag(done.revision),
                "Content-Location": url_for("api_cases.case", case_id=done.case_id),
                "Preference-Applied": "return=minimal",
            },
        )
    return detail_response(done.case_id)


@bp.route("/filters", methods=["GET"])
@errors(bp)
@bp.response(200, SavedFilterSchema(many=True))
def saved_filters():
    """我保存的待办筛选条件"""
    with reading() as session:
        return [asdict(f) for f in filters.saved_filters(session, actor())]


@bp.route("/filters", methods=["POST"])
@errors(bp, 409, 422)
@bp.arguments(SavedFilterCreateSchema)
@bp.response(201, SavedFilterSchema)
def save_filter(body: dict):
    """保存待办筛选条件（query 为 /tasks 的查询参数）"""
    return asdict(filters.save_filter(case_service(), actor(), body["name"], body["query"]))


@bp.route("/filters/<id:filter_id>", methods=["DELETE"])
@errors(bp, 404)
@bp.response(204)
def delete_filter(filter_id: int):
    """删除我的一个筛选条件"""
    filters.delete_filter(case_service(), actor(), filter_id)
