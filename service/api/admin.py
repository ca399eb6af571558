"""Administration (admin role only): users and roles, places, organizations, the
working-day calendar and the [config] settings; and the log of those changes, which
district auditors may read too."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from marshmallow import ValidationError

from service.admin import calendar_days as admin_calendar
from service.admin import log as admin_log
from service.admin import places as admin_places
from service.admin import settings as admin_settings
from service.admin import users as admin_users
from service.admin.inputs import (
    CalendarDaySetSchema,
    GrantCreateSchema,
    OrganizationCreateSchema,
    OrganizationUpdateSchema,
    PlaceCreateSchema,
    SettingSetSchema,
    UserCreateSchema,
    UserUpdateSchema,
)
from service.api.common import actor, api_blueprint, case_service, errors, reading
from service.api.schemas.admin import (
    AdminLogArgs,
    AdminLogPageSchema,
    AdminLogVerificationSchema,
    CalendarArgs,
    CalendarEntrySchema,
    OrganizationArgs,
    OrganizationPageSchema,
    PlaceArgs,
    PlacePageSchema,
    SettingSchema,
    UserPageSchema,
)
from service.api.schemas.common import PageArgs
from service.api.schemas.signin import OrganizationSchema, PlaceSchema, UserSchema
from service.core.errors import InvalidInput
from service.core.inputs import Day
from service.core.paging import Page

bp = api_blueprint(
    "api_admin",
    "系统管理（仅系统管理员）：用户与角色、地点、单位、工作日历、配置项；"
    "以及这些变更的操作记录（区级审计人员也可查看）",
)


def _page(page: Page[Any]) -> dict[str, Any]:
    return {"items": [asdict(i) for i in page.items], "next_cursor": page.next_cursor}


def _day(text: str) -> date:
    """The path's day, read as every date of the API is (YYYY-MM-DD, 1900–2999)."""
    try:
        return Day().deserialize(text)
    except ValidationError as error:
        raise InvalidInput({"day": error.messages}) from None


@bp.route("/admin/users", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(PageArgs, location="query")
@bp.response(200, UserPageSchema)
def users(args: dict):
    """用户列表"""
    with reading() as session:
        return _page(admin_users.users_page(session, actor(), args.get("cursor"), args["limit"]))


@bp.route("/admin/users", methods=["POST"])
@errors(bp, 403, 409, 422)
@bp.arguments(UserCreateSchema)
@bp.response(201, UserSchema)
def create_user(body: dict):
    """新建用户"""
    return asdict(admin_users.create_user(case_service(), actor(), body))


@bp.route("/admin/users/<id:user_id>", methods=["GET"])
@errors(bp, 403, 404)
@bp.response(200, UserSchema)
def user(user_id: int):
    """一个用户及其角色"""
    with reading() as session:
        return asdict(admin_users.user(session, actor(), user_id))


@bp.route("/admin/users/<id:user_id>", methods=["PATCH"])
@errors(bp, 403, 404, 422)
@bp.arguments(UserUpdateSchema)
@bp.response(200, UserSchema)
def update_user(body: dict, user_id: int):
    """修改姓名、启用或停用、重设密码"""
    return asdict(admin_users.update_user(case_service(), actor(), user_id, body))


@bp.route("/admin/users/<id:user_id>/grants", methods=["POST"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(GrantCreateSchema)
@bp.response(201, UserSchema)
def add_grant(body: dict, user_id: int):
    """授予角色（地点；申请单位用户还须指定单位）"""
    return asdict(admin_users.add_grant(case_service(), actor(), user_id, body))


@bp.route("/admin/users/<id:user_id>/grants/<id:grant_id>", methods=["DELETE"])
@errors(bp, 403, 404, 409)
@bp.response(200, UserSchema)
def remove_grant(user_id: int, grant_id: int):
    """撤销角色"""
    return asdict(admin_users.remove_grant(case_service(), actor(), user_id, grant_id))


@bp.route("/admin/places", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(PlaceArgs, location="query")
@bp.response(200, PlacePageSchema)
def places(args: dict):
    """地点（区、街道、社区、小区）"""
    with reading() as session:
        return _page(
            admin_places.places_page(
                session, actor(), args.get("kind"), args.get("cursor"), args["limit"]
            )
        )


@bp.route("/admin/places", methods=["POST"])
@errors(bp, 403, 409, 422)
@bp.arguments(PlaceCreateSchema)
@bp.response(201, PlaceSchema)
def create_place(body: dict):
    """新建地点（上级须为上一层级）"""
    return asdict(admin_places.create_place(case_service(), actor(), body))


@bp.route("/admin/organizations", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(OrganizationArgs, location="query")
@bp.response(200, OrganizationPageSchema)
def organizations(args: dict):
    """单位（业委会、物业、社区党组织、街道党工委等）"""
    with reading() as session:
        return _page(
            admin_places.organizations_page(
                session, actor(), args.get("place"), args.get("cursor"), args["limit"]
            )
        )


@bp.route("/admin/organizations", methods=["POST"])
@errors(bp, 403, 409, 422)
@bp.arguments(OrganizationCreateSchema)
@bp.response(201, OrganizationSchema)
def create_organization(body: dict):
    """新建单位"""
    return asdict(admin_places.create_organization(case_service(), actor(), body))


@bp.route("/admin/organizations/<id:organization_id>", methods=["PATCH"])
@errors(bp, 403, 404, 409, 422)
@bp.arguments(OrganizationUpdateSchema)
@bp.response(200, OrganizationSchema)
def update_organization(body: dict, organization_id: int):
    """修改单位名称，或登记物业服务企业的统一社会信用代码（GB 32100-2015 校验，企业间不重复）"""
    return asdict(admin_places.update_organization(case_service(), actor(), organization_id, body))


@bp.route("/admin/calendar", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(CalendarArgs, location="query")
@bp.response(200, CalendarEntrySchema(many=True))
def calendar(args: dict):
    """一段日期内每天是否为工作日及其来源"""
    with reading() as session:
        return [
            asdict(e)
            for e in admin_calendar.calendar(session, actor(), args["first"], args["last"])
        ]


@bp.route("/admin/calendar/<string(length=10):day>", methods=["PUT"])
@errors(bp, 403, 422)
@bp.arguments(CalendarDaySetSchema)
@bp.response(200, CalendarEntrySchema)
def set_calendar_day(body: dict, day: str):
    """设置某天为工作日或休息日（优先于内置日历）"""
    entry = admin_calendar.set_calendar_day(
        case_service(), actor(), _day(day), body["is_workday"], body["note"]
    )
    return asdict(entry)


@bp.route("/admin/calendar/<string(length=10):day>", methods=["DELETE"])
@errors(bp, 403, 404, 422)
@bp.response(204)
def clear_calendar_day(day: str):
    """取消某天的设置"""
    admin_calendar.clear_calendar_day(case_service(), actor(), _day(day))


@bp.route("/admin/settings", methods=["GET"])
@errors(bp, 403)
@bp.response(200, SettingSchema(many=True))
def settings():
    """配置项：当前值、默认值、是否已修改"""
    with reading() as session:
        return [asdict(s) for s in admin_settings.settings(session, actor())]


@bp.route("/admin/settings/<string(maxlength=64):key>", methods=["PUT"])
@errors(bp, 403, 404, 422)
@bp.arguments(SettingSetSchema)
@bp.response(200, SettingSchema)
def set_setting(body: dict, key: str):
    """修改配置项"""
    return asdict(admin_settings.set_setting(case_service(), actor(), key, body["value"]))


@bp.route("/admin/settings/<string(maxlength=64):key>", methods=["DELETE"])
@errors(bp, 403, 404)
@bp.response(200, SettingSchema)
def clear_setting(key: str):
    """恢复配置项的默认值"""
    return asdict(admin_settings.clear_setting(case_service(), actor(), key))


@bp.route("/admin/log", methods=["GET"])
@errors(bp, 403, 422)
@bp.arguments(AdminLogArgs, location="query")
@bp.response(200, AdminLogPageSchema)
def log_entries(args: dict):
    """管理操作记录，最新在前（系统管理员、区级审计人员）"""
    with reading() as session:
        entries = admin_log.entries_page(
            session, actor(), args.get("action"), args.get("cursor"), args["limit"]
        )
        return _page(entries)


@bp.route("/admin/log/verification", methods=["GET"])
@errors(bp, 403)
@bp.response(200, AdminLogVerificationSchema)
def log_verification():
    """核验管理操作记录的哈希链，指出第一条有问题的记录"""
    with reading() as session:
        admin_log.require_reader(actor())
        return asdict(admin_log.verify(session))
