"""Cases: filing, searching, the detail, comments, the history, replay, verification and
attachments."""

from __future__ import annotations

from typing import ClassVar

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from service.api.schemas.common import (
    KINDS,
    ChainedEntrySchema,
    PageArgs,
    PersonSchema,
    PlaceRefSchema,
    page_of,
)
from service.api.schemas.tasks import TaskSchema
from service.cases.queries import CASE_STATUSES
from service.core.inputs import (
    MAX_ID,
    Day,
    Object,
    QuerySchema,
    RequestSchema,
    Text,
    Whole,
    between,
    length,
    one_of,
)
from workflows.catalogue import MATTERS
from workflows.i18n import _


class CaseFilingSchema(RequestSchema):
    matter_type = Text(required=True, validate=one_of(MATTERS))
    estate = Text(required=True, validate=length(1, 64), metadata={"description": "小区编码"})
    organization = Whole(
        allow_none=True,
        validate=between(1, MAX_ID),
        metadata={"description": "申请单位编号；用户只代表一个单位时可省略"},
    )
    request = Object(
        required=True, metadata={"description": "请示表单（见 /matters/{code} 的 filing_form）"}
    )


class CaseArgs(PageArgs):
    matter = Text(validate=one_of(KINDS), metadata={"description": "事项或定期事务类型"})
    estate = Text(validate=length(1, 64), metadata={"description": "小区编码"})
    status = Text(validate=one_of(CASE_STATUSES), metadata={"description": "案件状态"})
    filed_from = Day(metadata={"description": "提交日期不早于（北京时间）"})
    filed_to = Day(metadata={"description": "提交日期不晚于（北京时间）"})
    text = Text(data_key="q", validate=length(1, 200), metadata={"description": "标题包含"})


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    matter_type = fields.String(required=True)
    matter_name = fields.String(required=True)
    sub_type = fields.String(required=True)
    estate = fields.Nested(PlaceRefSchema, required=True)
    applicant = fields.String(required=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True, required=True)
    current_step = fields.String(required=True)
    revision = fields.Integer(required=True)
    filed_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)


CasePageSchema = page_of(CaseSummarySchema, "CasePage")


class ReplySchema(Schema):
    document_number = fields.String(required=True)
    decision = fields.String(required=True)
    decision_label = fields.String(required=True)
    reasons = fields.String(required=True)
    conditions = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)
    signed_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    party_organization = fields.String(required=True)


class VoteResultSchema(Schema):
    at = fields.AwareDateTime(required=True)
    meeting_date = fields.String(allow_none=True, required=True)
    rule = fields.String(required=True)
    passed = fields.Boolean(required=True)
    participation_met = fields.Boolean(required=True)
    approval_met = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True)
    base_area = fields.String(allow_none=True, required=True)
    base_owners = fields.Integer(allow_none=True, required=True)
    participating_area = fields.String(allow_none=True, required=True)
    participating_owners = fields.Integer(allow_none=True, required=True)
    approving_area = fields.String(allow_none=True, required=True)
    approving_owners = fields.Integer(allow_none=True, required=True)
    item = fields.String(
        required=True,
        metadata={
            "description": (
                "首次业主大会对管理规约（二）、议事规则（一）的表决："
                "民法典第二百七十八条项次；事项本身的表决为空"
            )
        },
    )
    subject = fields.String(required=True, metadata={"description": "表决事项；事项本身的表决为空"})


class RecordedWarningSchema(Schema):
    at = fields.AwareDateTime(required=True)
    step = fields.String(required=True, metadata={"description": "步骤编号；请示本身为空"})
    field = fields.String(required=True)
    message = fields.String(required=True)


class CaseDetailSchema(CaseSummarySchema):
    community = fields.Nested(PlaceRefSchema, required=True)
    applicant_kind = fields.String(required=True)
    filed_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    request = fields.Dict(required=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    reply = fields.Nested(ReplySchema, allow_none=True, required=True)
    vote_results = fields.List(fields.Nested(VoteResultSchema), required=True)
    warnings = fields.List(
        fields.Nested(RecordedWarningSchema),
        required=True,
        metadata={"description": "请示和各步骤提交时记录的警示（如迟报、按“提示”处理的规则）"},
    )


class CommentCreateSchema(RequestSchema):
    body = Text(required=True, validate=length(1, 5000))
    task_id = Whole(allow_none=True, validate=between(1, MAX_ID))


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    author = fields.Nested(PersonSchema, required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


CommentPageSchema = page_of(CommentSchema, "CommentPage")


class EventSchema(ChainedEntrySchema):
    kind = fields.String(required=True)
    task_bpmn_id = fields.String(allow_none=True, required=True)
    task_name = fields.String(allow_none=True, required=True)
    data = fields.Dict(required=True)


EventPageSchema = page_of(EventSchema, "EventPage")


class ReplayArgs(QuerySchema):
    upto = Whole(
        strict=False,
        required=True,
        validate=between(1, MAX_ID),
        metadata={"description": "重演到第几条记录（含）"},
    )


class ReplayedTaskSchema(Schema):
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    process_id = fields.String(required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True)


class ReplayedStateSchema(Schema):
    case_id = fields.Integer(required=True)
    upto = fields.Integer(required=True)
    event = fields.Nested(EventSchema, required=True)
    status = fields.String(required=True)
    ended_at = fields.String(allow_none=True, required=True)
    open_tasks = fields.List(fields.Nested(ReplayedTaskSchema), required=True)
    data = fields.Dict(required=True)
    digest = fields.String(required=True)
    matches_record = fields.Boolean(
        required=True, metadata={"description": "重演得到的状态与当时记录的摘要一致"}
    )


class VerificationSchema(Schema):
    case_id = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    chain_intact = fields.Boolean(required=True)
    replay_ok = fields.Boolean(required=True)
    first_bad_seq = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True)
    findings = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "每项检查发现的问题，哈希链的在前、重放的在后；完整时为空"},
    )


# -- attachments -------------------------------------------------------------------------


class File(Upload):
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": _("请选择要上传的文件。"),
        "null": _("请选择要上传的文件。"),
        "validator_failed": _("此项的值无效。"),
    }


class UploadSchema(Schema):
    error_messages: ClassVar[dict[str, str]] = {
        "unknown": _("不接受此字段。"),
        "type": _("请求体应为 multipart/form-data 表单。"),
    }

    file = File(required=True, metadata={"description": "PDF、JPG、PNG、DOCX 或 XLSX 文件"})


class AttachmentSchema(Schema):
    sha256 = fields.String(required=True)
    name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.AwareDateTime(required=True)
