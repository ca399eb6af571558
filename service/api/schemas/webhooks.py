"""Webhook receivers, their deliveries, and the payload each event kind posts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.core.inputs import (
    MAX_ID,
    Many,
    RequestSchema,
    Text,
    Whole,
    at_least,
    between,
    length,
    one_of,
)
from service.notices.preferences import HANDOFF_NAMES


class EndpointSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    scope = fields.String(required=True, metadata={"description": "单位或地区名称"})
    organization_id = fields.Integer(allow_none=True, required=True)
    place_id = fields.Integer(allow_none=True, required=True)
    kinds = fields.List(fields.String(), required=True, metadata={"description": "推送的事件"})
    secret = fields.String(required=True, metadata={"description": "签名密钥（HMAC-SHA256）"})
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    pending = fields.Integer(required=True, metadata={"description": "待发送的推送"})
    delivered = fields.Integer(required=True, metadata={"description": "已送达的推送"})
    failed = fields.Integer(required=True, metadata={"description": "重试用尽而放弃的推送"})


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointSchema), required=True)


class EndpointCreateSchema(RequestSchema):
    url = Text(required=True, validate=length(1, 500), metadata={"description": "接收地址"})
    kinds = Many(
        Text(validate=one_of(HANDOFF_NAMES)),
        required=True,
        validate=at_least(1),
        metadata={"description": "推送的事件类别"},
    )
    organization_id = Whole(
        allow_none=True,
        validate=between(1, MAX_ID),
        metadata={"description": "单位编号（与 place_id 二选一）"},
    )
    place_id = Whole(
        allow_none=True,
        validate=between(1, MAX_ID),
        metadata={"description": "地区编号：区、街道或社区（与 organization_id 二选一）"},
    )


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    idempotency_key = fields.String(required=True, metadata={"description": "即 X-Webhook-Id"})
    kind = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["pending", "delivered", "failed"]),
        metadata={"description": "pending 待发送，delivered 已送达，failed 重试用尽"},
    )
    attempts = fields.Integer(required=True, metadata={"description": "已尝试次数"})
    created_at = fields.AwareDateTime(required=True)
    next_attempt_at = fields.AwareDateTime(required=True)
    delivered_at = fields.AwareDateTime(allow_none=True, required=True)
    last_status = fields.Integer(
        allow_none=True, required=True, metadata={"description": "最近一次的 HTTP 状态"}
    )
    last_error = fields.String(required=True)


class DeliveryListSchema(Schema):
    endpoint = fields.Nested(EndpointSchema, required=True)
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class EventCaseSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    matter_type = fields.String(required=True)
    status = fields.String(required=True)


class EventTaskSchema(Schema):
    id = fields.Integer(required=True)
    step = fields.String(required=True, metadata={"description": "BPMN 步骤编号"})
    name = fields.String(required=True)


def event_schema(kind: str, name: str) -> type[Schema]:
    """The body posted for one event kind (documented in the OpenAPI components)."""
    return Schema.from_dict(
        {
            "id": fields.String(required=True, metadata={"description": "幂等键，同 X-Webhook-Id"}),
            "event": fields.String(
                required=True, validate=validate.OneOf([kind]), metadata={"description": name}
            ),
            "occurred_at": fields.AwareDateTime(required=True),
            "case": fields.Nested(EventCaseSchema, required=True),
            "task": fields.Nested(
                EventTaskSchema,
                allow_none=True,
                required=True,
                metadata={"description": "待办任务（新任务、退回、整改等）；案件级事件为 null"},
            ),
            "text": fields.String(required=True, metadata={"description": "通知标题"}),
            "detail": fields.String(
                required=True, metadata={"description": "理由、批复文号或意见，可能为空"}
            ),
            "link": fields.String(required=True, metadata={"description": "办理之处的路径"}),
        },
        name=f"WebhookEvent_{kind}",
    )


EVENT_SCHEMAS = {kind: event_schema(kind, name) for kind, name in HANDOFF_NAMES.items()}
