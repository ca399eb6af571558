"""What an administrator's change must look like: the request bodies the API documents
and the administration pages check their forms with, so both refuse alike."""

from __future__ import annotations

from marshmallow import ValidationError

from service.admin.places import ORGANIZATION_PLACE, PLACE_PARENT
from service.admin.settings import VALUE_SCHEMA
from service.core.inputs import (
    MAX_ID,
    Anything,
    ChangeSchema,
    RequestSchema,
    Text,
    Whole,
    YesNo,
    between,
    code,
    length,
    one_of,
)
from service.people.access import ROLES
from workflows.credit_code import credit_code_problem


class UserCreateSchema(RequestSchema):
    username = Text(required=True, validate=code())
    display_name = Text(required=True, validate=length(1, 200))
    password = Text(required=True, validate=length(8, 256))
    active = YesNo(load_default=True)


class UserUpdateSchema(ChangeSchema):
    display_name = Text(validate=length(1, 200))
    active = YesNo()
    password = Text(validate=length(8, 256))


class GrantCreateSchema(RequestSchema):
    role = Text(required=True, validate=one_of(ROLES))
    place = Text(required=True, validate=length(1, 64), metadata={"description": "地点编码"})
    organization_id = Whole(allow_none=True, validate=between(1, MAX_ID))


class PlaceCreateSchema(RequestSchema):
    kind = Text(required=True, validate=one_of(PLACE_PARENT))
    code = Text(required=True, validate=code())
    name = Text(required=True, validate=length(1, 200))
    parent = Text(allow_none=True, validate=length(1, 64), metadata={"description": "上级地点编码"})


def _credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem)


CREDIT_CODE = {
    "description": "统一社会信用代码（GB 32100-2015，含校验码），仅物业服务企业，企业间不重复",
    "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
    "minLength": 18,
    "maxLength": 18,
}


class OrganizationCreateSchema(RequestSchema):
    kind = Text(required=True, validate=one_of(ORGANIZATION_PLACE))
    name = Text(required=True, validate=length(1, 200))
    place = Text(required=True, validate=length(1, 64), metadata={"description": "地点编码"})
    credit_code = Text(validate=_credit_code, metadata=CREDIT_CODE)


class OrganizationUpdateSchema(ChangeSchema):
    name = Text(validate=length(1, 200))
    credit_code = Text(validate=_credit_code, metadata=CREDIT_CODE)


class CalendarDaySetSchema(RequestSchema):
    is_workday = YesNo(required=True)
    note = Text(load_default="", validate=length(0, 200))


class SettingSetSchema(RequestSchema):
    value = Anything(
        required=True,
        metadata={
            "description": "与默认值同类型的新值：期限为 1–3650 的整数，规则为 warn 或 block，"
            "应急类别为类别代码的非空列表；不能为 null",
            **VALUE_SCHEMA,
        },
    )
