"""Flask application factory: one CaseService per app, shared by the API and the pages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from service.api import register_api
from service.cases.case_service import CaseService
from service.core.clock import Clock
from service.core.db import database_url, make_engine, make_sessionmaker
from service.duties.schedule import DutyService
from service.people.auth import decoy_hash
from service.people.oidc import OidcSettings
from service.people.throttle import ThrottlePolicy
from service.security_headers import install as install_security_headers
from service.web import register_web
from workflows.engine import patches


def create_app(config: dict[str, Any] | None = None, service: CaseService | None = None) -> Flask:
    templates = os.environ.get(
        "TEMPLATES_DIR", str(Path(__file__).resolve().parent.parent / "templates")
    )
    patches.install()
    app = Flask(__name__, template_folder=templates)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        DATABASE_URL=database_url(),
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        SIGN_IN_POLICY=ThrottlePolicy.from_environment(),
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        OIDC=OidcSettings.from_environment(),
        BASE_URL=os.environ.get("BASE_URL", ""),
    )
    app.config.update(config or {})
    _behind_proxies(app, app.config["TRUSTED_PROXIES"])
    decoy_hash()
    if service is None:
        engine = make_engine(app.config["DATABASE_URL"])
        service = DutyService(make_sessionmaker(engine), Clock())
    app.extensions["case_service"] = service
    register_api(app)
    register_web(app)
    install_security_headers(app)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        try:
            with service.sessions() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # readiness must answer, whatever the database says
            return jsonify(status="unavailable", reason=str(exc.__class__.__name__)), 503
        return jsonify(status="ready")

    return app


def _behind_proxies(app: Flask, count: int) -> None:
    """Believe the last ``count`` proxies' X-Forwarded-For/-Proto/-Host/-Port: the client
    address the sign-in throttles count by, and whether the request came over TLS (HSTS).
    With none trusted, a client cannot pose as another address by sending the header."""
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
