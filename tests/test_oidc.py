"""Signing in with OpenID Connect against a provider the test starts on 127.0.0.1.

The provider (tests/oidc_provider.py, Authlib's own server classes) insists on state,
nonce and an S256 PKCE challenge, checks the verifier and the client secret, and signs
RS256 ID tokens with the key it publishes. The browser's part is played by the Flask
test client (the service's pages, with their session cookie) and by ``requests`` (the
provider's pages): every redirect is followed by hand, so each step can be checked and
tampered with. Both databases.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from service.admin.users import update_user
from service.app import create_app
from service.cases.case_service import CaseService
from service.people.oidc import OidcSettings

CALLBACK = "http://localhost/signin/oidc/callback"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        running.client.redirect_uris = [CALLBACK]
        running.sign_in_as("d-1001", preferred_username="secretary", name="陈书记")
        yield running


def _settings(provider: Provider, **changes: str) -> OidcSettings:
    values = {"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return OidcSettings(**{**values, **changes})


@pytest.fixture
def app(service: CaseService, tmp_path: Path, provider: Provider) -> Flask:
    config = {"TESTING": True, "ATTACHMENT_DIR": str(tmp_path), "OIDC": _settings(provider)}
    return create_app(config, service=service)


def _to_provider(browser: FlaskClient, next_page: str = "") -> str:
    started = browser.get(f"/signin/oidc?next={next_page}")
    assert started.status_code == 302, started.text
    return started.location


def _back_from_provider(authorize_url: str) -> str:
    """The provider's answer: where it sends the browser back to, code and state in it."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def _finish(browser: FlaskClient, callback_url: str) -> TestResponse:
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return browser.get(f"{parts.path}?{parts.query}")


def _signed_in_as(browser: FlaskClient) -> str | None:
    with browser.session_transaction() as session:
        return session.get("user")


def test_the_whole_flow_with_state_nonce_and_pkce(app: Flask, provider: Provider) -> None:
    browser = app.test_client()
    page = browser.get("/signin").text
    assert "使用统一身份认证登录" in page and 'href="/signin/oidc?next="' in page
    authorize_url = _to_provider(browser, "/inbox")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert authorize_url.startswith(provider.issuer + "/authorize?")
    assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == CALLBACK and asked["scope"] == "openid profile"
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20

    signed_in = _finish(browser, _back_from_provider(authorize_url))
    assert signed_in.status_code == 302 and signed_in.location == "/inbox"
    assert _signed_in_as(browser) == "secretary"
    assert "欢迎，陈书记" in browser.get("/inbox").text
    # The token request proved the verifier behind the challenge, with the secret.
    sent = provider.token_requests[-1]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]


def test_a_callback_with_another_state_or_in_another_browser_is_refused(
    app: Flask, provider: Provider
) -> None:
    browser = app.test_client()
    callback = _back_from_provider(_to_provider(browser))
    forged = callback.replace("state=", "state=x")
    refused = _finish(browser, forged)
    assert refused.status_code == 400 and "无法核实" in refused.text
    assert _signed_in_as(browser) is None
    # The real answer, carried to a browser that did not begin this sign-in.
    stranger = app.test_client()
    assert _finish(stranger, callback).status_code == 400
    assert _signed_in_as(stranger) is None


@pytest.mark.parametrize("forgery", ["signature", "nonce", "audience"])
def test_an_id_token_that_does_not_verify_is_refused(
    app: Flask, provider: Provider, forgery: str
) -> None:
    """Signed with a key the provider does not publish, bound to another sign-in's nonce,
    or meant for another client: each is refused, and nobody is signed in."""
    provider.forge = forgery
    browser = app.test_client()
    refused = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert refused.status_code == 400 and "无法核实" in refused.text
    assert _signed_in_as(browser) is None


def test_a_refused_or_failed_provider_sign_in_is_a_clear_page(
    app: Flask, provider: Provider
) -> None:
    provider.user = {}  # nobody signs in at the provider: it answers access_denied
    browser = app.test_client()
    refused = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert refused.status_code == 400 and "统一身份认证登录未完成" in refused.text
    assert "用户名和密码登录" in refused.text


def test_only_an_existing_active_user_is_signed_in(
    app: Flask, provider: Provider, service: CaseService
) -> None:
    browser = app.test_client()
    provider.sign_in_as("d-2002", preferred_username="nobody-here")
    refused = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert refused.status_code == 403
    assert "“nobody-here”在本系统中没有对应的用户" in refused.text
    provider.sign_in_as("d-2003", name="无用户名")
    refused = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert refused.status_code == 403 and "没有提供“preferred_username”" in refused.text
    with service.sessions() as session:
        admin = service.actor(session, "admin")
        member = service.actor(session, "member")
    update_user(service, admin, member.user_id, {"active": False})
    provider.sign_in_as("d-3003", preferred_username="member")
    refused = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert refused.status_code == 403 and "已停用" in refused.text
    assert _signed_in_as(browser) is None


def test_the_claim_may_come_from_userinfo(app: Flask, provider: Provider) -> None:
    """A provider that puts only ``sub`` in the ID token: the claim is read from its
    userinfo endpoint, with the access token, for the same subject."""
    provider.claims_in_id_token = False
    browser = app.test_client()
    signed_in = _finish(browser, _back_from_provider(_to_provider(browser)))
    assert signed_in.status_code == 302 and _signed_in_as(browser) == "secretary"


def test_a_configured_claim_names_the_user(
    service: CaseService, tmp_path: Path, provider: Provider
) -> None:
    settings = _settings(provider, claim="employee_id", label="政务统一身份认证")
    app = create_app({"TESTING": True, "OIDC": settings}, service=service)
    provider.sign_in_as("d-4004", employee_id="auditor", preferred_username="secretary")
    browser = app.test_client()
    assert "政务统一身份认证" in browser.get("/signin").text
    _finish(browser, _back_from_provider(_to_provider(browser)))
    assert _signed_in_as(browser) == "auditor"


def test_without_a_provider_there_is_no_such_sign_in(service: CaseService) -> None:
    app = create_app({"TESTING": True, "OIDC": None}, service=service)
    browser = app.test_client()
    assert "统一身份认证" not in browser.get("/signin").text
    assert browser.get("/signin/oidc").status_code == 404
    assert browser.get("/signin/oidc/callback?code=x&state=y").status_code == 404


def test_an_unreachable_provider_is_a_clear_page(service: CaseService) -> None:
    settings = OidcSettings(issuer="http://127.0.0.1:9", client_id="c", client_secret="s")
    app = create_app({"TESTING": True, "OIDC": settings}, service=service)
    answer = app.test_client().get("/signin/oidc")
    assert answer.status_code == 502 and "暂时无法连接统一身份认证服务" in answer.text


def test_the_settings_come_from_the_environment() -> None:
    assert OidcSettings.from_environment({}) is None
    settings = OidcSettings.from_environment(
        {
            "OIDC_ISSUER": "https://sso.example.gov.cn/realms/district",
            "OIDC_CLIENT_ID": "prior-approval",
            "OIDC_CLIENT_SECRET": "secret",
            "OIDC_USER_CLAIM": "employee_id",
            "OIDC_SCOPES": "openid profile email",
            "OIDC_LABEL": "政务统一身份认证",
        }
    )
    assert settings == OidcSettings(
        issuer="https://sso.example.gov.cn/realms/district",
        client_id="prior-approval",
        client_secret="secret",
        claim="employee_id",
        scope="openid profile email",
        label="政务统一身份认证",
    )
    assert settings.metadata_url == (
        "https://sso.example.gov.cn/realms/district/.well-known/openid-configuration"
    )
    with pytest.raises(ValueError, match="OIDC_CLIENT_SECRET"):
        OidcSettings.from_environment({"OIDC_ISSUER": "https://x", "OIDC_CLIENT_ID": "c"})
    with pytest.raises(ValueError, match="openid"):
        OidcSettings.from_environment(
            {
                "OIDC_ISSUER": "https://x",
                "OIDC_CLIENT_ID": "c",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_SCOPES": "profile",
            }
        )


def test_the_provider_insists_on_pkce(app: Flask, provider: Provider) -> None:
    """The check is real: an authorization request without a challenge is refused."""
    url = _to_provider(app.test_client())
    bare = "&".join(p for p in url.split("&") if not p.startswith("code_challenge"))
    answer = requests.get(bare, allow_redirects=False, timeout=10)
    assert "error=invalid_request" in answer.headers["Location"]


def test_in_a_browser_from_the_sign_in_page(
    chromium: Browser, service: CaseService, provider: Provider, tmp_path: Path
) -> None:
    """Chromium clicks the button, the provider answers, the start page greets the
    secretary; nothing on the way breaks the pages' Content-Security-Policy."""
    app = create_app(
        {"TESTING": True, "ATTACHMENT_DIR": str(tmp_path), "OIDC": _settings(provider)},
        service=service,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    site = f"http://127.0.0.1:{server.server_port}"
    provider.client.redirect_uris = [f"{site}/signin/oidc/callback"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        context = chromium.new_context(locale="zh-CN")
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{site}/inbox")
        page.get_by_role("link", name="使用统一身份认证登录").click()
        expect(page.locator("h1")).to_have_text("待办任务")
        expect(page.locator(".notice-success")).to_contain_text("欢迎，陈书记")
        assert problems == []
        context.close()
    finally:
        server.shutdown()
        thread.join()
