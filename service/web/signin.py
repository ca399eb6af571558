"""Signing in and out of the pages; the password check is ``service.people.auth``'s."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.core.errors import TooManyAttempts, Unauthenticated
from service.people.auth import authenticate, record_failed_sign_in
from service.web.common import case_service, now, reading, safe_next, web_blueprint
from workflows.i18n import _

bp = web_blueprint("signin", __name__)


@bp.get("/signin")
def form() -> str:
    return render_template("web/signin.html", next=request.args.get("next", ""), message=None)


@bp.post("/signin")
def submit() -> Response | tuple[str, int]:
    username = request.form.get("username", "").strip()
    target = request.form.get("next", "")
    try:
        with reading() as db:
            signed_in = authenticate(db, username, request.form.get("password", ""), now())
    except (Unauthenticated, TooManyAttempts) as exc:
        if isinstance(exc, Unauthenticated):
            with case_service().transaction() as db:
                record_failed_sign_in(db, username, now())
        page = render_template(
            "web/signin.html", next=target, message=exc.message, username=username
        )
        return page, exc.status
    # A fresh session on every sign-in, so a session id planted before it is worthless.
    session.clear()
    session.permanent = True
    session["user"] = signed_in.username
    flash(_("欢迎，{name}。").format(name=signed_in.display_name), "success")
    return redirect(safe_next(target))


@bp.post("/signout")
def signout() -> Response:
    session.clear()
    flash(_("您已退出。"), "success")
    return redirect(url_for(".form"))
