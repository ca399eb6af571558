"""Administration: users, places, organizations, the calendar, the settings and the
administration log."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.admin.log import ACTIONS
from service.admin.places import PLACE_PARENT
from service.api.schemas.common import (
    ChainedEntrySchema,
    PageArgs,
    page_of,
)
from service.api.schemas.signin import OrganizationSchema, PlaceSchema, UserSchema
from service.core.inputs import (
    Day,
    QuerySchema,
    Text,
    length,
    one_of,
)

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
        metadata={
            "description": "user:… / place:… / organization:… / calendar:… / setting:… / "
            "sign-in:用户名@地址"
        },
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
