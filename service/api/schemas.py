"""Request and response bodies of the API, as marshmallow schemas.

The OpenAPI document is generated from these. Request fields carry Chinese messages, so
a 422's ``errors`` can be shown to users as they are; every request body refuses
unknown fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from service.admin.administration import PLACE_PARENT
from service.admin.log import ACTIONS
from service.cases.queries import CASE_STATUSES
from service.core.inputs import (
    MAX_ID,
    Day,
    Moment,
    Object,
    Part,
    QuerySchema,
    RequestSchema,
    Text,
    Whole,
    YesNo,
    between,
    length,
    one_of,
)
from service.tasks.tasklist import SORTS, TASK_STATUSES
from workflows.catalogue import MATTERS
from workflows.duties import DUTIES
from workflows.forms import FIRM_STANDINGS
from workflows.i18n import _

KINDS = [*MATTERS, *DUTIES]

# -- shared ------------------------------------------------------------------------------


class ProblemTypeSchema(Schema):
    """What a problem ``type`` means."""

    type = fields.String(required=True, metadata={"description": "问题类型（URI，相对于本服务）"})
    title = fields.String(required=True, metadata={"description": "简短标题"})
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    description = fields.String(required=True, metadata={"description": "说明"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "问题类型（URI）"})
    title = fields.String(required=True, metadata={"description": "简短标题"})
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    detail = fields.String(required=True, metadata={"description": "说明"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "字段路径 → 中文错误信息（400/422）"},
    )


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)


class PlaceRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PageArgs(QuerySchema):
    cursor = Text(
        validate=length(1, 500), metadata={"description": "上一页返回的 next_cursor（不透明）"}
    )
    limit = Whole(
        strict=False,
        load_default=20,
        validate=between(1, 100),
        metadata={"description": "每页条数，1–100，默认 20"},
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of ``item``: the rows and the cursor of the next page (null on the last)."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
    )


# -- sign-in -----------------------------------------------------------------------------


class TokenRequestSchema(RequestSchema):
    username = Text(required=True, validate=length(1, 64))
    password = Text(required=True, validate=length(1, 256))
    name = Text(load_default="api", validate=length(1, 100), metadata={"description": "令牌用途"})
    expires_in_days = Whole(load_default=30, validate=between(1, 365))


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True, required=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(
        required=True, metadata={"description": "令牌本身：只在此时返回一次，请妥善保存"}
    )


class OrganizationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    place_code = fields.String(required=True)
    credit_standing = fields.String(required=True)


class PlaceSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_code = fields.String(allow_none=True, required=True)


class GrantSchema(Schema):
    id = fields.Integer(required=True)
    role = fields.String(required=True)
    place = fields.Nested(PlaceSchema, required=True)
    organization = fields.Nested(OrganizationSchema, allow_none=True, required=True)


class UserSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    active = fields.Boolean(required=True)
    grants = fields.List(fields.Nested(GrantSchema), required=True)


# -- catalogue ---------------------------------------------------------------------------


class ChoiceSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class FormFieldSchema(Schema):
    """One field of a form, as ``workflows.forms.describe_form`` describes it."""

    name = fields.String(required=True)
    type = fields.String(required=True)
    label = fields.String(required=True)
    help = fields.String(required=True)
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Nested(ChoiceSchema), allow_none=True)
    max_length = fields.Integer()
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)
    not_after_today = fields.Boolean()
    not_after_now = fields.Boolean()
    min_items = fields.Integer()
    item = fields.Nested(lambda: FormFieldSchema())
    subfields = fields.List(
        fields.Nested(lambda: FormFieldSchema()), attribute="fields", data_key="fields"
    )


class StepFormSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    form = fields.List(fields.Nested(FormFieldSchema), required=True)


class MatterSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    process_id = fields.String(required=True)
    sub_types = fields.List(fields.Nested(ChoiceSchema), required=True)
    applicant_kinds = fields.List(fields.Nested(ChoiceSchema), required=True)
    legal_basis = fields.String(required=True)
    has_owners_vote = fields.Boolean(required=True)
    requires_members_assembly = fields.Boolean(required=True)
    steps = fields.List(fields.String(), required=True)


class MatterDetailSchema(MatterSchema):
    filing_form = fields.List(fields.Nested(FormFieldSchema), required=True)
    step_forms = fields.List(fields.Nested(StepFormSchema), required=True)


# -- tasks -------------------------------------------------------------------------------


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


TaskPageSchema = page_of(TaskSchema, "TaskPage")


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema, required=True)
    form = fields.List(fields.Nested(FormFieldSchema), required=True)
    case_revision = fields.Integer(required=True)
    may_work = fields.Boolean(required=True)
    may_assign = fields.Boolean(required=True)


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
    overdue = YesNo(metadata={"description": "true：已超期；false：未超期"})
    assignee = Text(
        validate=length(1, 64),
        metadata={
            "description": "me（我签收的）、none（未签收）、any（全部）或用户名；"
            "默认：待办时为未签收或我签收的"
        },
    )
    unassigned = YesNo(metadata={"description": "true：仅未签收；false：仅已签收"})
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


class TaskUpdateSchema(RequestSchema):
    due_at = Moment(metadata={"description": "办理期限"})
    follow_up_at = Moment(allow_none=True, metadata={"description": "跟进日期；null 表示清除"})
    priority = Whole(validate=between(0, 100))

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError(_("请至少修改一项：due_at、follow_up_at 或 priority。"))


class CompleteSchema(RequestSchema):
    data = Object(required=True, metadata={"description": "该步骤表单的内容（见任务的 form）"})
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


# -- cases -------------------------------------------------------------------------------


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


class CaseDetailSchema(CaseSummarySchema):
    community = fields.Nested(PlaceRefSchema, required=True)
    applicant_kind = fields.String(required=True)
    filed_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    request = fields.Dict(required=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    reply = fields.Nested(ReplySchema, allow_none=True, required=True)
    vote_results = fields.List(fields.Nested(VoteResultSchema), required=True)


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


class ChainedEntrySchema(Schema):
    """What every hash-chained log entry has: its place, time, actor and links."""

    seq = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.Nested(PersonSchema, allow_none=True, required=True)
    hash = fields.String(required=True)
    prev_hash = fields.String(required=True)


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


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "PDF、JPG、PNG、DOCX 或 XLSX 文件"})


class AttachmentSchema(Schema):
    sha256 = fields.String(required=True)
    name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.AwareDateTime(required=True)


# -- administration ----------------------------------------------------------------------


UserPageSchema = page_of(UserSchema, "UserPage")


class PlaceArgs(PageArgs):
    kind = Text(validate=one_of(PLACE_PARENT), metadata={"description": "地点层级"})


PlacePageSchema = page_of(PlaceSchema, "PlacePage")


class OrganizationArgs(PageArgs):
    place = Text(validate=length(1, 64), metadata={"description": "地点编码"})


OrganizationPageSchema = page_of(OrganizationSchema, "OrganizationPage")


class CalendarArgs(QuerySchema):
    first = Day(required=True, data_key="from", metadata={"description": "开始日期"})
    last = Day(required=True, data_key="to", metadata={"description": "跨度不超过 366 天"})


class CalendarEntrySchema(Schema):
    day = fields.Date(required=True)
    is_workday = fields.Boolean(required=True)
    source = fields.String(
        required=True, metadata={"description": "override / chinese_calendar / weekday_fallback"}
    )
    note = fields.String(required=True)


class SettingSchema(Schema):
    key = fields.String(required=True)
    value = fields.Raw(required=True)
    default = fields.Raw(required=True)
    overridden = fields.Boolean(required=True)


class AdminLogArgs(PageArgs):
    action = Text(validate=one_of(ACTIONS), metadata={"description": "只看这一类操作"})


class AdminEntrySchema(ChainedEntrySchema):
    action = fields.String(required=True)
    action_name = fields.String(required=True)
    target = fields.String(
        required=True,
        metadata={"description": "user:… / place:… / organization:… / calendar:… / setting:…"},
    )
    before = fields.Dict(
        allow_none=True, required=True, metadata={"description": "变更前；新建时为 null"}
    )
    after = fields.Dict(
        allow_none=True, required=True, metadata={"description": "变更后；删除时为 null"}
    )


AdminLogPageSchema = page_of(AdminEntrySchema, "AdminLogPage")


class AdminLogVerificationSchema(Schema):
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    first_bad_seq = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True)


# -- duties: incidents, the rectification ledger, the red/black list, notifications ------


class IncidentFilingSchema(RequestSchema):
    organization = Whole(
        allow_none=True,
        validate=between(1, MAX_ID),
        metadata={"description": "报告单位编号；用户只代表一个单位时可省略"},
    )
    request = Object(
        required=True,
        metadata={
            "description": "事件报告表单：incident_kind、title、occurred_at、description、"
            "measures_taken、attachments"
        },
    )


class LedgerArgs(QuerySchema):
    year = Text(
        validate=validate.Regexp(r"^\d{4}$", error=_("应为四位年份，如 2026。")),
        metadata={"description": "述职评议年度，如 2026"},
    )


class LedgerRowSchema(Schema):
    year = fields.String(required=True)
    community = fields.String(required=True)
    estate = fields.String(required=True)
    organization = fields.String(required=True)
    evaluation = fields.String(required=True)
    item_no = fields.Integer(required=True)
    item = fields.String(required=True)
    due_on = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "open / reported / done"})
    reported_on = fields.String(required=True)
    done_on = fields.String(required=True)
    overdue = fields.Boolean(required=True)
    case_id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)


class FirmStandingSchema(Schema):
    organization_id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(allow_none=True, required=True)
    estate = fields.String(required=True)
    standing = fields.String(required=True, metadata={"description": "red / none / black"})
    standing_label = fields.String(required=True)


class EvaluationSchema(Schema):
    year = fields.String(required=True)
    evaluation = fields.String(required=True)
    score = fields.Integer(allow_none=True, required=True)
    case_id = fields.Integer(required=True)


class StandingChangeSchema(Schema):
    previous = fields.String(required=True)
    standing = fields.String(required=True)
    reason = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)


class FirmRecordSchema(Schema):
    organization_id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(allow_none=True, required=True)
    standing = fields.String(required=True)
    evaluations = fields.List(fields.Nested(EvaluationSchema), required=True)
    overdue_steps = fields.Integer(required=True)
    escalations = fields.Integer(required=True)
    late_incident_reports = fields.Integer(required=True)
    open_rectification_items = fields.Integer(required=True)
    overdue_rectification_items = fields.Integer(required=True)
    standing_changes = fields.List(fields.Nested(StandingChangeSchema), required=True)


class StandingSetSchema(RequestSchema):
    standing = Text(required=True, validate=one_of(FIRM_STANDINGS))
    reason = Text(required=True, validate=length(1, 500))


class NotificationArgs(QuerySchema):
    unread = YesNo(load_default=False, metadata={"description": "只看未读"})
    limit = Whole(strict=False, load_default=50, validate=between(1, 200))
    offset = Whole(strict=False, load_default=0, validate=between(0, MAX_ID))


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True, required=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True, metadata={"description": "未读通知条数"})


class ReadAllSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "本次标为已读的条数"})
