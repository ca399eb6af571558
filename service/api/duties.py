"""The periodic duties: incident reports, the rectification ledger, the firms' red/black
list and credit records, and the caller's own notifications."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response

from service.api.cases import CREATED, detail_response
from service.api.common import actor, api_blueprint, case_service, errors, now, reading
from service.api.schemas.cases import CaseDetailSchema
from service.api.schemas.duties import (
    FirmRecordSchema,
    FirmStandingSchema,
    IncidentFilingSchema,
    LedgerArgs,
    LedgerRowSchema,
    NotificationArgs,
    NotificationListSchema,
    NotificationSchema,
    PreferenceListSchema,
    PreferenceSetSchema,
    ReadAllSchema,
    StandingSetSchema,
)
from service.core.workbook import XLSX_MIMETYPE
from service.duties import credit_register, incidents, rectification_ledger
from service.duties.rectification_ledger import as_dicts
from service.notices import notifications as notices
from service.notices import preferences

bp = api_blueprint(
    "api_duties", "定期事务：事件报告、整改台账、物业服务企业红黑榜与信用记录、我的通知"
)


@bp.route("/incidents", methods=["POST"])
@errors(bp, 403, 422)
@bp.arguments(IncidentFilingSchema)
@bp.response(201, CaseDetailSchema, headers=CREATED)
def report_incident(body: dict):
    """报告重大问题或突发事件（业主委员会、物业服务企业）；返回新案件详情"""
    case_id = incidents.report_incident(case_service(), actor(), body)
    return detail_response(case_id, 201)


@bp.route("/rectification-ledger", methods=["GET"])
@errors(bp, 422)
@bp.arguments(LedgerArgs, location="query")
@bp.response(200, LedgerRowSchema(many=True))
def ledger(args: dict):
    """整改台账：所辖范围内（申请单位为本单位）年度述职评议的整改事项和案件监督检查提出的整改，及其状态"""
    with reading() as session:
        return as_dicts(rectification_ledger.ledger_for(session, actor(), now(), args.get("year")))


@bp.route("/rectification-ledger.csv", methods=["GET"])
@errors(bp, 422)
@bp.arguments(LedgerArgs, location="query")
@bp.response(200, {"type": "string"}, content_type="text/csv")
def ledger_csv(args: dict):
    """整改台账（CSV 下载）"""
    with reading() as session:
        rows = rectification_ledger.ledger_for(session, actor(), now(), args.get("year"))
    return Response(
        rectification_ledger.ledger_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=rectification-ledger.csv"},
    )


@bp.route("/rectification-ledger.xlsx", methods=["GET"])
@errors(bp, 422)
@bp.arguments(LedgerArgs, location="query")
@bp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_MIMETYPE)
def ledger_xlsx(args: dict):
    """整改台账（Excel 下载：中文表头，日期和数字为真实的日期、数值单元格）"""
    with reading() as session:
        rows = rectification_ledger.ledger_for(session, actor(), now(), args.get("year"))
    return Response(
        rectification_ledger.ledger_xlsx(rows),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=rectification-ledger.xlsx"},
    )


@bp.route("/firms", methods=["GET"])
@errors(bp, 403)
@bp.response(200, FirmStandingSchema(many=True))
def firms():
    """红黑榜：所辖范围内的物业服务企业项目及其红黑榜情况（红榜在前）"""
    with reading() as session:
        return [asdict(f) for f in credit_register.register(session, actor())]


@bp.route("/firms/<id:organization_id>", methods=["GET"])
@errors(bp, 403, 404)
@bp.response(200, FirmRecordSchema)
def firm(organization_id: int):
    """物业服务企业的信用记录：评议结果、超期与督办次数、迟报、整改事项、红黑榜调整"""
    with reading() as session:
        return asdict(credit_register.firm_record_for(session, actor(), organization_id, now()))


@bp.route("/firms/<id:organization_id>/standing", methods=["PUT"])
@errors(bp, 403, 404, 422)
@bp.arguments(StandingSetSchema)
@bp.response(200, FirmRecordSchema)
def set_standing(body: dict, organization_id: int):
    """调整红黑榜（系统管理员，须说明理由；同一企业的所有项目一并调整）"""
    record = credit_register.change_standing(
        case_service(), actor(), organization_id, body["standing"], body["reason"]
    )
    return asdict(record)


@bp.route("/notifications", methods=["GET"])
@errors(bp, 422)
@bp.arguments(NotificationArgs, location="query")
@bp.response(200, NotificationListSchema)
def notifications(args: dict):
    """我的通知（提醒、督办、新的定期事务），最新的在前"""
    with reading() as session:
        items, unread = notices.my_notifications(
            session, actor(), unread_only=args["unread"], limit=args["limit"], offset=args["offset"]
        )
    return {"items": [asdict(i) for i in items], "unread": unread}


@bp.route("/notifications/<id:notification_id>/read", methods=["POST"])
@errors(bp, 404)
@bp.response(200, NotificationSchema)
def read_notification(notification_id: int):
    """把我的一条通知标为已读"""
    return asdict(notices.read_notification(case_service(), actor(), notification_id))


@bp.route("/notifications/read", methods=["POST"])
@errors(bp)
@bp.response(200, ReadAllSchema)
def read_all():
    """把我的通知全部标为已读"""
    return {"marked": notices.read_all_notifications(case_service(), actor())}


@bp.route("/notifications/preferences", methods=["GET"])
@errors(bp)
@bp.response(200, PreferenceListSchema)
def notification_preferences():
    """我的通知设置：每类通知是否站内提醒、是否发送邮件（未设置的两者都是）"""
    with reading() as session:
        return {"items": [asdict(p) for p in preferences.preferences_of(session, actor())]}


@bp.route("/notifications/preferences", methods=["PUT"])
@errors(bp, 422)
@bp.arguments(PreferenceSetSchema)
@bp.response(200, PreferenceListSchema)
def set_notification_preferences(body: dict):
    """设置所列类别的通知渠道；未列出的类别不变"""
    choices = {
        item["kind"]: {c: item[c] for c in preferences.CHANNELS if c in item}
        for item in body["items"]
    }
    chosen = preferences.set_preferences(case_service(), actor(), choices)
    return {"items": [asdict(p) for p in chosen]}
