"""The server-rendered pages: applicants, the party organization, the street and auditors.

Every page works without JavaScript; a few lines of script only show results as they
are typed. Sessions expire (``PERMANENT_SESSION_LIFETIME``), every form carries a CSRF
token checked before any POST of these pages runs, and all screen text goes through
``_()``. The pages change nothing themselves: they call the service layer.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from service.web import (
    admin_log,
    administration,
    audit,
    cases,
    duties,
    estates,
    filing,
    home,
    inbox,
    notices,
    oidc,
    sign_in_throttles,
    signin,
    tasks,
    webhooks,
)
from service.web.common import install

SESSION_MINUTES = 8 * 60


class TlsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is marked ``Secure`` whenever the request came over TLS
    (directly or, behind ``TRUSTED_PROXIES``, as X-Forwarded-Proto says), so a browser
    never sends a session made over HTTPS back over plain HTTP; ``SESSION_COOKIE_SECURE``
    still forces it everywhere."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


BLUEPRINTS = (
    signin.bp,
    oidc.bp,
    home.bp,
    filing.bp,
    inbox.bp,
    tasks.bp,
    cases.bp,
    audit.bp,
    admin_log.bp,
    administration.bp,
    sign_in_throttles.bp,
    notices.bp,
    duties.bp,
    estates.bp,
    webhooks.bp,
)


def register_web(app: Flask) -> None:
    """Mount the pages on ``app``.

    Unless the configuration says otherwise, a session ends after eight hours without a
    request (``SESSION_LIFETIME_MINUTES``), not Flask's 31 days, and its cookie is not
    sent along with other sites' requests. The CSRF token lives as long as the session.
    """
    if (
        app.config["PERMANENT_SESSION_LIFETIME"]
        == Flask.default_config["PERMANENT_SESSION_LIFETIME"]
    ):
        minutes = int(os.environ.get("SESSION_LIFETIME_MINUTES", SESSION_MINUTES))
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)
    if app.config["SESSION_COOKIE_SAMESITE"] is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = TlsAwareSessions()
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    install(app, {bp.name for bp in BLUEPRINTS})
    oidc.register_oidc(app)
