"""Outbound webhooks: each handoff, for the receivers registered for its organization or place.

A delivery is queued in ``webhook_deliveries`` in the transaction of the event it reports,
so an event that rolls back sends nothing and one that commits is never lost while the
receiver is down. The worker posts it, signed, and on failure tries again after 30 s,
1, 2, 4 … minutes (doubling, at most 6 hours apart) up to ``MAX_ATTEMPTS`` times; every
try is counted on the row. A delivery keeps one idempotency key through all its tries, so
a receiver that saw it once can ignore the repeats.

Signature: ``X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the
endpoint's secret>``, the timestamp (Unix seconds) in ``X-Webhook-Timestamp``, the key in
``X-Webhook-Id`` and the kind in ``X-Webhook-Event``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from service.core.models import Case, HumanTask, WebhookDelivery, WebhookEndpoint
from service.notices.notifications import notice_link
from service.people.access import case_places

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
TIMEOUT_SECONDS = 10.0
log = logging.getLogger(__name__)


def retry_after(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What ``X-Webhook-Signature`` carries: HMAC-SHA256 over "<timestamp>.<body>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def new_secret() -> str:
    return secrets.token_hex(32)


def payload(
    kind: str, key: str, case: Case, task: HumanTask | None, text: str, detail: str, now: datetime
) -> dict[str, Any]:
    """The body of one event, as the OpenAPI document describes it (``WebhookEvent``)."""
    return {
        "id": key,
        "event": kind,
        "occurred_at": now.isoformat(),
        "case": {
            "id": case.id,
            "title": case.title,
            "matter_type": case.matter_type,
            "status": case.status,
        },
        "task": (
            {"id": task.id, "step": task.bpmn_id, "name": task.name} if task is not None else None
        ),
        "text": text,
        "detail": detail,
        "link": notice_link(kind, case.id, task.id if task is not None else None),
    }


def enqueue(
    session: Session,
    kind: str,
    case: Case,
    task: HumanTask | None,
    text: str,
    detail: str,
    now: datetime,
) -> int:
    """Queue the event for every active receiver of its kind whose scope holds the case."""
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.active,
            or_(
                WebhookEndpoint.organization_id == case.applicant_org_id,
                WebhookEndpoint.place_id.in_(case_places(case)),
            ),
        )
    )
    queued = 0
    for endpoint in endpoints:
        if kind not in endpoint.kinds:
            continue
        key = str(uuid.uuid4())
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                idempotency_key=key,
                kind=kind,
                payload=payload(kind, key, case, task, text, detail, now),
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
                last_error="",
            )
        )
        queued += 1
    return queued


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> Outcome:
    """One signed POST; a 2xx answer is success, anything else (or no answer) a failure."""
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "prior-approval-webhooks/1",
            "X-Webhook-Id": delivery.idempotency_key,
            "X-Webhook-Event": delivery.kind,
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return Outcome(answer.status, "")
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        return Outcome(None, str(exc)[:500] or type(exc).__name__)


def _claim(session: Session, now: datetime, after_id: int) -> WebhookDelivery | None:
    return session.scalar(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.id > after_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def deliver_due(sessions: sessionmaker[Session], now: datetime, limit: int = 100) -> int:
    """Try every delivery that is due, each in its own transaction; returns how many arrived."""
    delivered = last_id = 0
    for _attempt in range(limit):
        with sessions() as session, session.begin():
            delivery = _claim(session, now, last_id)
            if delivery is None:
                break
            last_id = delivery.id
            endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
            outcome = post(endpoint, delivery, now)
            delivery.attempts += 1
            delivery.last_status = outcome.status
            if outcome.status is not None and 200 <= outcome.status < 300:
                delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
                delivered += 1
                continue
            delivery.last_error = outcome.error
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = now + retry_after(delivery.attempts)
            log.info("webhook %s to %s failed: %s", delivery.id, endpoint.url, outcome.error)
    return delivered
