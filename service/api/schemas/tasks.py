"""The task list: tasks, the inbox's filters, claiming, assigning, arranging, completing
and saved filters."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import RAISE, Schema, fields, validate

from service.api.document import task_form_schema
from service.api.schemas.catalogue import FormFieldSchema
from service.api.schemas.common import (
    KINDS,
    PageArgs,
    PersonSchema,
    page_of,
)
from service.core.inputs import (
    MAX_ID,
    ChangeSchema,
    Moment,
    Object,
    Part,
    QueryYesNo,
    RequestSchema,
    Text,
    Whole,
    between,
    length,
    one_of,
)
from service.tasks.inbox import SORTS, TASK_STATUSES
from workflows.i18n import _


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_title = fields.String(required=True)
    matter_type = fields.String(required=True)
    matter_name = fields.String(required=True)
    estate_code = fields.String(required=True)
    estate_name = fields.String(required=True)
    bpmn_id = fields.String(required=True, metadata={"description": "步骤（BPMN 任务）编号"})
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "泳道角色"})
    status = fields.String(required=True)
    priority = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True)
    follow_up_at = fields.AwareDateTime(allow_none=True, required=True)
    overdue = fields.Boolean(required=True)
    assignee = fields.Nested(PersonSchema, allow_none=True, required=True)
    completed_at = fields.AwareDateTime(allow_none=True, required=True)
    completed_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    form_schema = fields.Method(
        "_form_schema",
        required=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "本文档中该步骤表单的 JSON Schema（完成任务时 data 的格式）",
        },
    )

    def _form_schema(self, task: dict[str, Any]) -> str | None:
        return task_form_schema(task["matter_type"], task["bpmn_id"])


TaskPageSchema = page_of(TaskSchema, "TaskPage")


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema, required=True)
    form = fields.List(fields.Nested(FormFieldSchema), required=True)
    case_revision = fields.Integer(required=True)
    may_work = fields.Boolean(required=True)
    may_assign = fields.Boolean(required=True)
    may_rearrange = fields.Boolean(
        required=True,
        metadata={"description": "可否调整办理期限和优先级（社区党组织；督办期间的街道党工委）"},
    )


class InboxFilterSchema(Schema):
    """The inbox's filters and sort, as query parameters or as a saved filter."""

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": _("不接受此字段。"),
        "type": _("应为 JSON 对象。"),
    }

    matter = Text(validate=one_of(KINDS), metadata={"description": "事项或定期事务类型"})
    estate = Text(validate=length(1, 64), metadata={"description": "小区编码"})
    status = Text(validate=one_of(TASK_STATUSES), metadata={"description": "默认 open"})
    due_before = Moment(metadata={"description": "办理期限早于该时刻"})
    overdue = QueryYesNo(metadata={"description": "true：已超期；false：未超期"})
    assignee = Text(
        validate=length(1, 64),
        metadata={
            "description": "me（我签收的）、none（未签收）、any（全部）或用户名；"
            "默认：待办时为未签收或我签收的"
        },
    )
    unassigned = QueryYesNo(metadata={"description": "true：仅未签收；false：仅已签收"})
    sort = Text(
        validate=one_of(SORTS),
        metadata={"description": "due / created / priority，前加 - 为倒序；默认 due"},
    )


class InboxArgs(InboxFilterSchema, PageArgs):
    """Query string of the inbox: its filters plus sorting and the page cursor."""


class AssignSchema(RequestSchema):
    assignee = Text(
        required=True,
        allow_none=True,
        validate=length(1, 64),
        metadata={"description": "用户名；null 表示收回"},
    )


class TaskUpdateSchema(ChangeSchema):
    nothing_changed: ClassVar[str] = _("请至少修改一项：due_at、follow_up_at 或 priority。")

    due_at = Moment(metadata={"description": "办理期限"})
    follow_up_at = Moment(allow_none=True, metadata={"description": "跟进日期；null 表示清除"})
    priority = Whole(validate=between(0, 100))


class CompleteSchema(RequestSchema):
    data = Object(
        required=True,
        metadata={"description": "该步骤表单的内容（格式见任务的 form_schema，字段说明见 form）"},
    )
    revision = Whole(
        validate=between(0, MAX_ID),
        metadata={"description": "案件的版本号；与当前不符时返回 409（也可用 If-Match）"},
    )


class IfMatchHeader(Schema):
    if_match = Text(
        data_key="If-Match",
        validate=validate.Regexp(
            r'^(W/)?"?[0-9]{1,10}"?$', error=_('If-Match 应为案件版本号，如 "3"。')
        ),
        metadata={"description": "案件的版本号（详情的 ETag）"},
    )


class CompleteHeaders(IfMatchHeader):
    prefer = Text(
        data_key="Prefer",
        validate=length(0, 200),
        metadata={
            "description": "return=minimal：只返回案件编号与新版本号，不返回案件详情"
            "（RFC 7240；其他偏好忽略）"
        },
    )


class SavedFilterCreateSchema(RequestSchema):
    name = Text(required=True, validate=length(1, 100))
    query = Part(InboxFilterSchema, required=True, unknown=RAISE)


class SavedFilterSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    query = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
