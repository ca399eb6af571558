"""Security headers on every kind of response: pages, the API, problems, static files,
Swagger UI, the printable reply; HSTS only over TLS. The browser tests
(test_browser_csp.py) show the pages still work under the policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from api_support import make_app, token_for
from flask import Flask
from web_support import Client

from service.cases.case_service import CaseService
from service.demo.cases import drive

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path)


def _assert_secured(response) -> str:
    """The headers every response carries; returns its nonce."""
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"].startswith("'self' 'nonce-")
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    return NONCE.search(policy).group(1)


def test_every_kind_of_response_carries_the_headers(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry")
    anonymous = app.test_client()
    for path in ("/signin", "/api/v1/docs", "/api/v1/openapi.json", "/assets/site.css"):
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        _assert_secured(answer)
    for path, status in (("/", 302), ("/healthz", 200), ("/no-such-page", 404)):
        answer = anonymous.get(path)
        assert answer.status_code == status
        _assert_secured(answer)
    problem = anonymous.get("/api/v1/cases")
    assert problem.status_code == 401 and problem.mimetype == "application/problem+json"
    _assert_secured(problem)
    committee = Client(app, "committee")
    page = committee.get(f"/cases/{case_id}")
    _assert_secured(page)
    assert "<svg" in page.text and "style=" not in page.text and "<script>" not in page.text
    token = token_for(service, "committee")
    reply = anonymous.get(
        f"/api/v1/cases/{case_id}/reply", headers={"Authorization": f"Bearer {token}"}
    )
    nonce = _assert_secured(reply)
    assert f'<style nonce="{nonce}">' in reply.text
    printed = committee.get(f"/cases/{case_id}/reply")
    assert f'<style nonce="{_assert_secured(printed)}">' in printed.text


def test_each_response_has_its_own_nonce(app: Flask) -> None:
    client = app.test_client()
    nonces = {_assert_secured(client.get("/signin")) for _ in range(5)}
    assert len(nonces) == 5 and all(len(n) >= 24 for n in nonces)


def test_swagger_ui_starts_from_a_file_not_an_inline_script(app: Flask) -> None:
    docs = app.test_client().get("/api/v1/docs").text
    assert "<script>" not in docs and "onload" not in docs
    assert 'src="/assets/swagger-ui-start.js"' in docs
    assert 'data-spec-url="/api/v1/openapi.json"' in docs


def test_hsts_is_sent_over_tls_only(service: CaseService, tmp_path: Path, monkeypatch) -> None:
    direct = make_app(service, tmp_path).test_client()
    secure = direct.get("/signin", base_url="https://approval.example.gov.cn")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Behind a trusted proxy its X-Forwarded-Proto says so; from anyone else it is ignored.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in direct.get("/signin", headers=forwarded).headers
    proxied = make_app(service, tmp_path, TRUSTED_PROXIES=1).test_client()
    behind = proxied.get("/signin", headers=forwarded)
    assert behind.headers["Strict-Transport-Security"] == "max-age=31536000"
    monkeypatch.setenv("HSTS_MAX_AGE", "0")
    never = make_app(service, tmp_path).test_client()
    secure = never.get("/signin", base_url="https://approval.example.gov.cn")
    assert "Strict-Transport-Security" not in secure.headers


def _session_cookie(answer) -> str:
    return next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_the_session_cookie_is_secure_over_tls(service: CaseService, tmp_path: Path) -> None:
    direct = make_app(service, tmp_path).test_client()
    plain = _session_cookie(direct.get("/signin"))
    assert "Secure" not in plain and "HttpOnly" in plain and "SameSite=Lax" in plain
    over_tls = direct.get("/signin", base_url="https://approval.example.gov.cn")
    assert "; Secure" in _session_cookie(over_tls)
    proxied = make_app(service, tmp_path, TRUSTED_PROXIES=1).test_client()
    behind = proxied.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in _session_cookie(behind)
