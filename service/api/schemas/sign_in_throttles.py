"""Sign-in throttles as administrators list and lift them."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.api.schemas.common import PageArgs, page_of
from service.core.inputs import Text


class ThrottleArgs(PageArgs):
    q = Text(metadata={"description": "只看用户名或客户端地址包含这段文字的"})


class ThrottleSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "account：一个地址对一个账户；address：一个地址对所有账户"},
    )
    username = fields.String(
        allow_none=True, required=True, metadata={"description": "输入的用户名（可能并不存在）"}
    )
    address = fields.String(
        required=True, metadata={"description": "客户端地址（IPv6 按 /64 网段计）"}
    )
    failures = fields.Integer(required=True, metadata={"description": "连续输错次数"})
    first_failure_at = fields.AwareDateTime(required=True)
    last_failure_at = fields.AwareDateTime(required=True)
    blocked_until = fields.AwareDateTime(
        allow_none=True, required=True, metadata={"description": "须等到此时才能再试"}
    )
    blocked = fields.Boolean(required=True, metadata={"description": "现在是否须等待"})


ThrottlePageSchema = page_of(ThrottleSchema, "SignInThrottlePage")
