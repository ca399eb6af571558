"""Webhook receivers, as administrators register them, and the tries of their deliveries.

A receiver is one URL for the events of one organization (its cases) or one place (a
district, street or community, and every case under it), for the kinds chosen. Its signing
secret is made here and shown to the administrator, who gives it to the receiver.
Registering is an administrative change: it lands in the administration log (without
the secret).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.admin.changes import record_change, require_admin
from service.core.errors import InvalidInput, NotFound
from service.core.models import Organization, Place, WebhookDelivery, WebhookEndpoint
from service.notices.preferences import HANDOFF_NAMES
from service.notices.webhooks import new_secret
from service.people.access import Actor
from workflows.i18n import _

if TYPE_CHECKING:
    from service.cases.case_service import CaseService


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    scope: str
    organization_id: int | None
    place_id: int | None
    kinds: list[str]
    secret: str
    active: bool
    created_at: datetime
    pending: int
    delivered: int
    failed: int


@dataclass(frozen=True)
class DeliveryView:
    id: int
    idempotency_key: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status: int | None
    last_error: str


def _scope_name(session: Session, row: WebhookEndpoint) -> str:
    if row.organization_id is not None:
        org = session.get(Organization, row.organization_id)
        return org.name if org else ""
    place = session.get(Place, row.place_id) if row.place_id is not None else None
    return place.name if place else ""


def _views(session: Session, rows: Iterable[WebhookEndpoint]) -> list[EndpointView]:
    rows = list(rows)
    counts: dict[tuple[int, str], int] = {
        (endpoint_id, status): n
        for endpoint_id, status, n in session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.endpoint_id.in_([r.id for r in rows]))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
        )
    }
    return [
        EndpointView(
            r.id,
            r.url,
            _scope_name(session, r),
            r.organization_id,
            r.place_id,
            list(r.kinds),
            r.secret,
            r.active,
            r.created_at,
            counts.get((r.id, "pending"), 0),
            counts.get((r.id, "delivered"), 0),
            counts.get((r.id, "failed"), 0),
        )
        for r in rows
    ]


def endpoints(session: Session, actor: Actor) -> list[EndpointView]:
    require_admin(actor)
    return _views(session, session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def _checked(
    session: Session,
    url: str,
    organization_id: int | None,
    place_id: int | None,
    kinds: list[str],
) -> None:
    errors: dict[str, list[str]] = {}
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["url"] = [_("请填写以 http:// 或 https:// 开头的接收地址。")]
    elif len(url) > 500:
        errors["url"] = [_("接收地址不能超过 500 个字符。")]
    if (organization_id is None) == (place_id is None):
        errors["scope"] = [_("请选择一个单位或一个地区（二选一）。")]
    elif organization_id is not None and session.get(Organization, organization_id) is None:
        errors["organization_id"] = [_("没有这个单位。")]
    elif place_id is not None and session.get(Place, place_id) is None:
        errors["place_id"] = [_("没有这个地区。")]
    unknown = [k for k in kinds if k not in HANDOFF_NAMES]
    if not kinds:
        errors["kinds"] = [_("请至少选择一类事件。")]
    elif unknown:
        errors["kinds"] = [_("没有这类事件：{kinds}").format(kinds="、".join(unknown))]
    if errors:
        raise InvalidInput(errors)


def register(
    svc: CaseService,
    actor: Actor,
    url: str,
    kinds: list[str],
    organization_id: int | None = None,
    place_id: int | None = None,
) -> EndpointView:
    """Register a receiver and make its signing secret."""
    with svc.transaction() as session:
        require_admin(actor)
        _checked(session, url, organization_id, place_id, kinds)
        row = WebhookEndpoint(
            organization_id=organization_id,
            place_id=place_id,
            url=url.strip(),
            kinds=sorted(set(kinds)),
            secret=new_secret(),
            active=True,
            created_at=svc.clock.now(),
        )
        session.add(row)
        session.flush()
        after = {
            "url": row.url,
            "organization_id": organization_id,
            "place_id": place_id,
            "kinds": row.kinds,
        }
        record_change(svc, session, actor, "webhook_registered", f"webhook:{row.id}", None, after)
        return _views(session, [row])[0]


def deliveries(
    session: Session, actor: Actor, endpoint_id: int, limit: int = 100
) -> tuple[EndpointView, list[DeliveryView]]:
    """A receiver and its latest deliveries with their tries, newest first."""
    require_admin(actor)
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(_("没有这个接收地址。"))
    found = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(min(limit, 200))
    )
    return _views(session, [row])[0], [
        DeliveryView(
            d.id,
            d.idempotency_key,
            d.kind,
            d.status,
            d.attempts,
            d.created_at,
            d.next_attempt_at,
            d.delivered_at,
            d.last_status,
            d.last_error,
        )
        for d in found
    ]


def scope_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """What a receiver may be registered for: ``place:<id>`` or ``organization:<id>``."""
    require_admin(actor)
    places = [
        (f"place:{p.id}", f"{p.name}（{_('地区')}）")
        for p in session.scalars(select(Place).order_by(Place.id))
    ]
    organizations = [
        (f"organization:{o.id}", o.name)
        for o in session.scalars(select(Organization).order_by(Organization.id))
    ]
    return places + organizations
