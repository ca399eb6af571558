"""Signing in with the district's OpenID Connect provider, beside passwords.

The authorization-code flow with all a careful client adds: ``state`` (kept in the
session, so only the browser that began a sign-in can finish it), ``nonce`` (bound into
the ID token) and PKCE with S256 (an intercepted code is useless without the verifier).
Authlib runs the protocol: it reads the provider's discovery document, sends the code
with the client's secret and the verifier, and checks the ID token's signature against
the keys the provider publishes, and its issuer, audience, expiry and nonce. Who the
verified claims name is ``service.people.oidc``'s. Every refusal is a page saying why,
with the way back to the sign-in form.
"""

from __future__ import annotations

from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, flash, redirect, request, session, url_for
from joserfc.errors import JoseError
from requests import RequestException
from werkzeug.wrappers import Response

from service.core.errors import Forbidden
from service.people.oidc import OidcSettings, actor_for_claims
from service.web.common import case_service, error_page, safe_next, web_blueprint
from workflows.i18n import _

bp = web_blueprint("oidc", __name__)
CLIENT = "oidc_client"
NEXT = "oidc_next"
HTTP_TIMEOUT_SECONDS = 10


def register_oidc(app: Flask) -> None:
    """The provider's client, when ``app.config["OIDC"]`` names one."""
    settings: OidcSettings | None = app.config.get("OIDC")
    if settings is None:
        return
    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        "district",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.metadata_url,
        client_kwargs={
            "scope": settings.scope,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
    )


def offered() -> str | None:
    """The sign-in button's text, or None when no provider is configured."""
    settings: OidcSettings | None = current_app.config.get("OIDC")
    if settings is None:
        return None
    return settings.label or _("使用统一身份认证登录")


def _client() -> Any:
    return current_app.extensions[CLIENT]


def _callback_url() -> str:
    """The address the provider sends the browser back to, registered with it as such;
    ``BASE_URL`` when set, so it is the public one behind any proxy."""
    base = current_app.config.get("BASE_URL") or ""
    if base:
        return base.rstrip("/") + url_for(".callback")
    return url_for(".callback", _external=True)


def _refused(message: str, status: int) -> tuple[str, int]:
    session.pop(NEXT, None)
    return error_page(
        message + " " + _("可返回登录页，用用户名和密码登录。"), status, _("统一身份认证登录未完成")
    )


def _claims(token: dict[str, Any], claim: str) -> dict[str, Any]:
    """The ID token's claims, with the provider's userinfo when the claim that names the
    user is not among them (some providers put only ``sub`` in the token); userinfo counts
    only for the subject the ID token names (OpenID Connect Core 5.3.2)."""
    claims = dict(token["userinfo"])
    if claim not in claims and _client().load_server_metadata().get("userinfo_endpoint"):
        more = _client().userinfo(token=token)
        if more.get("sub") == claims.get("sub"):
            claims = {**more, **claims}
    return claims


@bp.get("/signin/oidc")
def start() -> Response | tuple[str, int]:
    if CLIENT not in current_app.extensions:
        return error_page(_("本系统未启用统一身份认证登录。"), 404)
    session[NEXT] = safe_next(request.args.get("next"))
    try:
        return _client().authorize_redirect(_callback_url())
    except (AuthlibBaseError, RequestException, ValueError, KeyError):
        current_app.logger.exception("OIDC: the provider's discovery document is unreadable")
        return _refused(_("暂时无法连接统一身份认证服务，请稍后再试。"), 502)


@bp.get("/signin/oidc/callback")
def callback() -> Response | tuple[str, int]:
    if CLIENT not in current_app.extensions:
        return error_page(_("本系统未启用统一身份认证登录。"), 404)
    try:
        token = _client().authorize_access_token()
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as exc:
        current_app.logger.warning("OIDC sign-in refused: %r", exc)
        return _refused(_("统一身份认证的答复无法核实（已拒绝），请重新登录。"), 400)
    settings: OidcSettings = current_app.config["OIDC"]
    if not token.get("userinfo"):
        current_app.logger.warning("OIDC sign-in refused: the provider sent no ID token")
        return _refused(_("统一身份认证的答复无法核实（已拒绝），请重新登录。"), 400)
    try:
        claims = _claims(token, settings.claim)
    except (AuthlibBaseError, RequestException, ValueError) as exc:
        current_app.logger.warning("OIDC: userinfo unreadable: %r", exc)
        return _refused(_("暂时无法连接统一身份认证服务，请稍后再试。"), 502)
    try:
        actor = actor_for_claims(case_service(), settings, claims)
    except Forbidden as exc:
        return _refused(exc.message, 403)
    target = session.get(NEXT)
    # A fresh session, as for a password: one planted before the sign-in is worthless.
    session.clear()
    session.permanent = True
    session["user"] = actor.username
    flash(_("欢迎，{name}。").format(name=actor.display_name), "success")
    return redirect(safe_next(target))
