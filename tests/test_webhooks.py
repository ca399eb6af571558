"""Outbound webhooks against a receiver on loopback: signed deliveries queued with the
event, retried with backoff while the receiver fails, one idempotency key per delivery,
and the tries visible on the admin page and over the API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import token_for
from duty_support import complete, file_firm_entry, open_task
from flask import Flask
from sqlalchemy import select
from web_support import Client

from service.admin import webhooks as admin_webhooks
from service.app import create_app
from service.cases.case_service import CaseService
from service.core.errors import InvalidInput
from service.core.models import Case, Place, WebhookDelivery
from service.notices.handoffs import handoff
from service.notices.webhooks import deliver_due, retry_after, signature


class Receiver:
    """A loopback HTTP server that fails the first ``failures`` posts, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.posts: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers.items()), body))
                failed = len(receiver.posts) <= receiver.failures
                self.send_response(503 if failed else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(failures=2) as running:
        yield running


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _register(service: CaseService, url: str, kinds: list[str]) -> admin_webhooks.EndpointView:
    with service.sessions() as session:
        admin = service.actor(session, "admin")
        district = session.scalar(select(Place.id).where(Place.kind == "district"))
    return admin_webhooks.register(service, admin, url, kinds, place_id=district)


def _return(service: CaseService, case_id: int) -> None:
    complete(
        service,
        "secretary",
        case_id,
        "acceptance_check",
        {"acceptance_decision": "return", "acceptance_reasons": "缺少表决结果公示"},
    )


def _deliveries(service: CaseService) -> list[WebhookDelivery]:
    with service.sessions() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_delivery_is_signed_retried_with_backoff_and_keeps_its_key(
    service: CaseService, clock, receiver: Receiver
) -> None:
    endpoint = _register(service, receiver.url, ["returned"])
    case_id = file_firm_entry(service)
    assert _deliveries(service) == [], "a new task is not a kind this receiver chose"
    _return(service, case_id)
    [queued] = _deliveries(service)
    assert (queued.kind, queued.status, queued.attempts) == ("returned", "pending", 0)

    start = clock.now()
    assert deliver_due(service.sessions, start) == 0  # 503
    [first] = _deliveries(service)
    assert (first.attempts, first.last_status) == (1, 503)
    assert first.next_attempt_at == start + timedelta(seconds=30)
    assert deliver_due(service.sessions, start + timedelta(seconds=29)) == 0
    assert len(receiver.posts) == 1, "not before its retry is due"
    assert deliver_due(service.sessions, start + timedelta(seconds=30)) == 0  # 503 again
    [second] = _deliveries(service)
    assert second.next_attempt_at == start + timedelta(seconds=90), "the wait doubles"
    assert deliver_due(service.sessions, start + timedelta(seconds=90)) == 1
    [done] = _deliveries(service)
    assert (done.status, done.attempts, done.last_status) == ("delivered", 3, 204)
    assert deliver_due(service.sessions, start + timedelta(hours=1)) == 0
    assert len(receiver.posts) == 3, "delivered once is delivered"

    keys = {headers["X-Webhook-Id"] for headers, _body in receiver.posts}
    assert keys == {queued.idempotency_key}, "one idempotency key through every retry"
    for headers, body in receiver.posts:
        stamp = headers["X-Webhook-Timestamp"]
        expected = (
            "sha256="
            + hmac.new(
                endpoint.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        assert headers["X-Webhook-Signature"] == expected == signature(endpoint.secret, stamp, body)
        assert headers["X-Webhook-Event"] == "returned"
    event = json.loads(receiver.posts[0][1])
    supplement = open_task(service, case_id, "supplement")
    assert event["event"] == "returned" and event["id"] == queued.idempotency_key
    assert event["case"]["id"] == case_id and event["task"]["id"] == supplement.id
    assert event["link"] == f"/tasks/{supplement.id}" and "缺少表决结果公示" in event["detail"]


def test_a_delivery_waits_while_the_receiver_is_down_and_gives_up_at_last(
    service: CaseService, clock
) -> None:
    _register(service, "http://127.0.0.1:9/closed", ["returned"])
    _return(service, file_firm_entry(service))
    now = clock.now()
    for attempt in range(1, 11):
        assert deliver_due(service.sessions, now) == 0
        now += retry_after(attempt)
    [given_up] = _deliveries(service)
    assert (given_up.status, given_up.attempts, given_up.last_status) == ("failed", 10, None)
    assert given_up.last_error
    assert retry_after(1) == timedelta(seconds=30) and retry_after(20) == timedelta(hours=6)


def test_an_event_that_rolls_back_queues_nothing_and_one_that_commits_stays(
    service: CaseService, clock
) -> None:
    _register(service, "http://127.0.0.1:9/x", ["closed"])
    case_id = file_firm_entry(service)
    with pytest.raises(RuntimeError), service.transaction() as session:
        handoff(session, "closed", session.get(Case, case_id), [], now=clock.now())
        raise RuntimeError("the step failed after its handoff")
    assert _deliveries(service) == []
    with service.transaction() as session:
        handoff(session, "closed", session.get(Case, case_id), [], now=clock.now())
    assert [d.kind for d in _deliveries(service)] == ["closed"]


def test_administrators_register_and_see_the_tries(
    app: Flask, service: CaseService, clock, receiver: Receiver
) -> None:
    admin = Client(app, "admin")
    page = admin.get("/admin/webhooks").text
    assert "登记接收地址" in page and 'value="place:' in page
    wrong = admin.post("/admin/webhooks", {"url": "ftp://x", "scope": "place:1"}, status=422)
    assert "http://" in wrong.text and "请至少选择一类事件" in wrong.text
    with service.sessions() as session:
        district = session.scalar(select(Place.id).where(Place.kind == "district"))
    answer = admin.post(
        "/admin/webhooks",
        {"url": receiver.url, "scope": f"place:{district}", "kinds": "returned"},
    )
    endpoint_id = int(answer.location.rsplit("/", 1)[1])
    _return(service, file_firm_entry(service))
    deliver_due(service.sessions, clock.now())
    page = admin.get(f"/admin/webhooks/{endpoint_id}").text
    assert "HTTP 503" in page and "待发送" in page and "X-Webhook-Signature" in page
    Client(app, "secretary").get("/admin/webhooks", status=403)

    api = ApiClient(app.test_client(), token_for(service, "admin"))
    [listed] = api.get("/admin/webhooks").get_json()["items"]
    assert (listed["id"], listed["pending"], listed["kinds"]) == (endpoint_id, 1, ["returned"])
    tries = api.get(f"/admin/webhooks/{endpoint_id}/deliveries").get_json()["items"]
    assert [(d["attempts"], d["last_status"], d["status"]) for d in tries] == [(1, 503, "pending")]
    created = api.post(
        "/admin/webhooks", json={"url": receiver.url, "kinds": ["closed"], "organization_id": 1}
    )
    assert created.status_code == 201 and len(created.get_json()["secret"]) == 64
    bad = api.post("/admin/webhooks", json={"url": receiver.url, "kinds": ["spam"], "place_id": 1})
    assert bad.status_code == 422 and "kinds" in bad.get_data(as_text=True)
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    event = spec["components"]["schemas"]["WebhookEvent_returned"]
    assert {"id", "event", "case", "task", "detail", "link"} <= set(event["properties"])


def test_only_the_kinds_handoffs_send_may_be_chosen(service: CaseService) -> None:
    """The worker's reminders and escalations are not carried by webhooks (yet)."""
    with pytest.raises(InvalidInput) as refused:
        _register(service, "http://127.0.0.1:9/x", ["escalation"])
    assert "escalation" in refused.value.messages["kinds"][0]
