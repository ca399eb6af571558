"""Security headers on every response: what a browser may load, frame and send along.

The Content-Security-Policy allows scripts and styles from this site only, and inline
``<style>`` only with the response's nonce (the printable written reply, which must
stay one standalone file); no inline script, no ``eval``, no event-handler attribute,
no other origin. Pictures may be inline SVG drawn on the server (the BPMN diagrams, and
charts drawn the same way) or ``data:`` images (Swagger UI's icons); a chart library
must be served from this site and take its data from the page (``data-`` attributes
or a ``<script type="application/json">`` block, which is data and never run).
No page may be framed by another site, and a page's address is sent only to this site.
HSTS is sent when the request came over TLS, directly or, behind a proxy trusted with
``TRUSTED_PROXIES``, as its ``X-Forwarded-Proto`` says.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, Response, g, request

NONCE_BYTES = 18


def csp_nonce() -> str:
    """The nonce of this response, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        )
    )


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``; ``HSTS_MAX_AGE`` seconds (default a
    year, 0 for none) is how long a browser keeps to HTTPS once it has seen one."""
    hsts_max_age = int(os.environ.get("HSTS_MAX_AGE", 365 * 24 * 3600))
    app.add_template_global(csp_nonce)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure and hsts_max_age > 0:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts_max_age}")
        return response
