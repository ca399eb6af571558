"""Signing in and out of the pages; the throttled password check is
``service.people.sign_in``'s, the same as the API's."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.core.edge import RefusedText
from service.core.errors import TooManyAttempts, Unauthenticated
from service.people.sign_in import sign_in
from service.web import oidc
from service.web.common import case_service, safe_next, web_blueprint
from workflows.i18n import _

bp = web_blueprint("signin", __name__)


def _page(**values: object) -> str:
    """The sign-in form, with the district's single sign-on beside it when configured."""
    return render_template("web/signin.html", oidc_label=oidc.offered(), **values)


@bp.errorhandler(RefusedText)
def refused(exc: RefusedText) -> tuple[str, int]:
    """The form again, as after a wrong password, saying what was wrong with the text."""
    reasons = "；".join(dict.fromkeys(t for texts in exc.messages.values() for t in texts))
    return _page(next="", message=_("用户名或密码") + reasons), 422


@bp.get("/signin")
def form() -> str:
    return _page(next=request.args.get("next", ""), message=None)


@bp.post("/signin")
def submit() -> Response | tuple[str, int, dict[str, str]]:
    username = request.form.get("username", "").strip()
    target = request.form.get("next", "")
    try:
        signed_in = sign_in(
            case_service(),
            username,
            request.form.get("password", ""),
            request.remote_addr,
            current_app.config["SIGN_IN_POLICY"],
        )
    except (Unauthenticated, TooManyAttempts) as exc:
        page = _page(next=target, message=exc.message, username=username)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        return page, exc.status, headers
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
