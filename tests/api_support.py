"""Helpers for the API tests: an app on the test service, tokens, filings, step payloads."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from werkzeug.test import TestResponse

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker
from service.core.models import Base, HumanTask
from service.demo.district import load_demo
from service.people.auth import issue_token

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fresh_service(url: str, clock: FixedClock) -> tuple[CaseService, Engine]:
    """A service on ``url`` emptied and reloaded with the demo data, as conftest does per
    test, for module-scoped worlds that several tests only read."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    service = CaseService(make_sessionmaker(engine), clock)
    service.deploy_models()
    with service.transaction() as session:
        load_demo(session)
    return service, engine


def bind(app: Flask, service: CaseService, attachments: Path) -> Flask:
    """Point an app built once per module at this test's service and upload folder."""
    app.extensions["case_service"] = service
    app.config["ATTACHMENT_DIR"] = str(attachments)
    return app


def make_app(service: CaseService, attachments: Path, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "ATTACHMENT_DIR": str(attachments),
            "MAX_CONTENT_LENGTH": 256 * 1024,
            **config,
        },
        service=service,
    )


def token_for(service: CaseService, username: str) -> str:
    """A token made directly by the service: no password hashing in every test."""
    with service.transaction() as session:
        actor = service.actor(session, username)
        return issue_token(session, actor, "test", service.clock.now()).token


class Client:
    """The test client speaking for one user (or for nobody when ``token`` is None)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def call(
        self, method: str, path: str, json: Any = None, headers: dict | None = None, **kw: Any
    ) -> TestResponse:
        return self.client.open(
            API + path, method=method, json=json, headers=self._headers(headers), **kw
        )

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.call("POST", path, json=json, **kw)

    def upload(self, content: bytes = PDF, name: str = "方案.pdf") -> TestResponse:
        return self.client.post(
            API + "/attachments",
            data={"file": (io.BytesIO(content), name)},
            headers=self._headers(None),
            content_type="multipart/form-data",
        )


# A firm's exit may be open once per estate and firm: each filing names a firm of its
# own unless the test names one.
_FIRMS = itertools.count(1)


def firm_exit_filing(estate: str = "E01", attachments: list | None = None, **changes: Any):
    """A valid firm-exit request (the firm does not renew) by an owners' committee."""
    return {
        "matter_type": "firm_exit",
        "estate": estate,
        "request": {
            "title": "关于物业服务企业合同到期退出的请示",
            "reasons": "物业服务企业合同到期后不再续聘",
            "legal_basis": "民法典第九百四十七条",
            "plan": "交接方案见附件",
            "affected_area": "12345.67",
            "affected_owners": 120,
            "attachments": attachments or [],
            "initiator": "firm",
            "firm_name": f"安居物业服务有限公司第{next(_FIRMS)}项目部",
            "notice_date": "2025-11-01",
            "service_end_date": "2026-02-20",
            "committee_members_total": 7,
            "committee_members_present": 6,
            "committee_members_agreeing": 5,
            **changes,
        },
    }


ACCEPT = {"acceptance_decision": "accept"}
STUDY = {
    "meeting_type": "branch_committee",
    "study_meeting_date": "2026-03-02",
    "members_expected": 5,
    "members_present": 5,
    "votes_for": 5,
    "votes_against": 0,
    "votes_abstain": 0,
    "opinions": "同意按交接方案实施",
}
REPLY = {
    "reply_decision": "agree_with_conditions",
    "reply_reasons": "符合规定",
    "reply_conditions": "交接期间不得中断服务",
}
HANDOVER = {
    "rooms_handed_over": True,
    "facilities_handed_over": True,
    "records_handed_over": True,
    "handover_date": "2026-03-02",
    "successor_name": "业主自行管理",
    "successor_took_over_on": "2026-03-02",
    "old_firm_left_on": "2026-03-02",
}
COMPLIANT = {"oversight_result": "compliant"}


def report(sha256: str) -> dict[str, Any]:
    return {
        "summary": "已按批复完成交接",
        "evidence": [{"name": "交接清单.pdf", "sha256": sha256}],
        "done_on": "2026-03-02",
    }


def open_task(service: CaseService, case_id: int) -> HumanTask:
    """The case's one open task (the flows used here never have two at once)."""
    with service.sessions() as session:
        tasks = list(
            session.scalars(
                select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "open")
            )
        )
    assert len(tasks) == 1, [t.bpmn_id for t in tasks]
    return tasks[0]


def advance(service: CaseService, case_id: int, steps: list[tuple[str, dict]]) -> None:
    """Complete the case's open tasks through the service, one (user, payload) per step."""
    for username, payload in steps:
        task = open_task(service, case_id)
        with service.sessions() as session:
            actor = service.actor(session, username)
        service.complete_task(actor, task.id, payload)


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with the expected status; returns its body."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("/api/v1/problems/")
    return body
