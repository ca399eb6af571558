"""Signing in: token requests and tokens, and the signed-in user with the roles held."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.core.inputs import (
    RequestSchema,
    Text,
    Whole,
    between,
    length,
)


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
    credit_code = fields.String(
        required=True, allow_none=True, metadata={"description": "统一社会信用代码（物业服务企业）"}
    )


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
