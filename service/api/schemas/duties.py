"""The periodic duties: incident reports, the rectification ledger, the red/black list
and credit records, and one's notifications."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.core.inputs import (
    MAX_ID,
    Many,
    Object,
    Part,
    Pattern,
    QuerySchema,
    QueryYesNo,
    RequestSchema,
    Text,
    Whole,
    YesNo,
    between,
    length,
    one_of,
)
from workflows.forms import FIRM_STANDINGS
from workflows.i18n import _


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
        validate=Pattern(r"^[0-9]{4}$", error=_("应为四位年份，如 2026。")),
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
    status = fields.String(
        required=True, metadata={"description": "open / reported / done / reordered（复查未通过）"}
    )
    reported_on = fields.String(required=True)
    done_on = fields.String(required=True)
    overdue = fields.Boolean(required=True)
    case_id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    source = fields.String(
        required=True,
        metadata={"description": "year_end_review（年度述职评议）/ oversight_review（监督检查）"},
    )
    matter = fields.String(required=True, metadata={"description": "监督检查所属事项的名称"})


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
    overdue_steps = fields.Integer(required=True, metadata={"description": "本单位步骤超期的个数"})
    escalations = fields.Integer(
        required=True,
        metadata={"description": "本单位步骤被街道督办的次数（社区党组织的超期不计）"},
    )
    late_incident_reports = fields.Integer(required=True)
    late_emergency_reports = fields.Integer(
        required=True, metadata={"description": "应急解危超时报告（迟报）的次数"}
    )
    open_rectification_items = fields.Integer(required=True)
    overdue_rectification_items = fields.Integer(required=True)
    standing_changes = fields.List(fields.Nested(StandingChangeSchema), required=True)


class StandingSetSchema(RequestSchema):
    standing = Text(required=True, validate=one_of(FIRM_STANDINGS))
    reason = Text(required=True, validate=length(1, 500))


class NotificationArgs(QuerySchema):
    unread = QueryYesNo(load_default=False, metadata={"description": "只看未读"})
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
    link = fields.String(required=True, metadata={"description": "办理之处：待办任务页，或案件页"})


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True, metadata={"description": "未读通知条数"})


class ReadAllSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "本次标为已读的条数"})


class PreferenceSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "通知类别"})
    name = fields.String(required=True, metadata={"description": "类别名称"})
    in_app = fields.Boolean(required=True, metadata={"description": "站内提醒"})
    email = fields.Boolean(required=True, metadata={"description": "发送邮件"})


class PreferenceListSchema(Schema):
    items = fields.List(fields.Nested(PreferenceSchema), required=True)


class PreferenceChoiceSchema(RequestSchema):
    kind = Text(required=True, validate=length(1, 32), metadata={"description": "通知类别"})
    in_app = YesNo(metadata={"description": "站内提醒；省略则不变"})
    email = YesNo(metadata={"description": "发送邮件；省略则不变"})


class PreferenceSetSchema(RequestSchema):
    items = Many(Part(PreferenceChoiceSchema), required=True)
