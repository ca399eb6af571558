"""Webhook receivers (administrators only): registering one, and its deliveries' tries.

Every delivery is a signed POST: ``X-Webhook-Signature: sha256=<hex HMAC-SHA256 of
"<X-Webhook-Timestamp>.<body>" with the receiver's secret>``, ``X-Webhook-Id`` the
idempotency key (the same on every retry), ``X-Webhook-Event`` the kind. The body of each
kind is the component schema ``WebhookEvent_<kind>``.
"""

from __future__ import annotations

from dataclasses import asdict

from service.admin import webhooks
from service.api.common import actor, api_blueprint, case_service, errors, reading
from service.api.schemas.webhooks import (
    DeliveryListSchema,
    EndpointCreateSchema,
    EndpointListSchema,
    EndpointSchema,
)
from workflows.i18n import _

bp = api_blueprint(
    "api_webhooks",
    _(
        "事件推送（仅系统管理员）：为单位或地区登记接收地址和事件类别，取得签名密钥；"
        "每次推送带 X-Webhook-Id（幂等键）、X-Webhook-Timestamp 和 X-Webhook-Signature"
        '（sha256=HMAC-SHA256(密钥, 时间戳 + "." + 请求体) 的十六进制）；'
        "失败后按 30 秒起倍增、最长 6 小时的间隔重试，最多 10 次。"
        "各类事件的请求体见组件 WebhookEvent_<类别>"
    ),
)


@bp.route("/admin/webhooks", methods=["GET"])
@errors(bp, 403)
@bp.response(200, EndpointListSchema)
def listing():
    """已登记的接收地址及推送统计"""
    with reading() as session:
        return {"items": [asdict(e) for e in webhooks.endpoints(session, actor())]}


@bp.route("/admin/webhooks", methods=["POST"])
@errors(bp, 403, 422)
@bp.arguments(EndpointCreateSchema)
@bp.response(201, EndpointSchema)
def register(body: dict):
    """登记接收地址；返回的 secret 即签名密钥"""
    created = webhooks.register(
        case_service(),
        actor(),
        body["url"],
        body["kinds"],
        organization_id=body.get("organization_id"),
        place_id=body.get("place_id"),
    )
    return asdict(created)


@bp.route("/admin/webhooks/<id:endpoint_id>/deliveries", methods=["GET"])
@errors(bp, 403, 404)
@bp.response(200, DeliveryListSchema)
def deliveries(endpoint_id: int):
    """一个接收地址最近的推送，最新的在前，含尝试次数和最近结果"""
    with reading() as session:
        endpoint, rows = webhooks.deliveries(session, actor(), endpoint_id)
    return {"endpoint": asdict(endpoint), "items": [asdict(r) for r in rows]}
