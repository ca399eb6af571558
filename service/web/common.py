"""What every page shares: the signed-in actor, the CSRF check, errors, dates and labels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from service.cases.case_service import CaseService
from service.cases.catalogue import kind_name
from service.cases.queries import CASE_STATUS_NAMES
from service.core.db import Session
from service.core.edge import RefusedText, refuse_bad_text
from service.core.errors import Conflict, Forbidden, NotFound, ServiceError
from service.core.workbook import XLSX_MIMETYPE
from service.people.access import Actor
from workflows import duties
from workflows.catalogue import APPLICANT_KINDS, MATTERS
from workflows.i18n import _
from workflows.owners_vote import format_area
from workflows.work_calendar import SHANGHAI

# Endpoints a visitor who is not signed in may open.
PUBLIC_ENDPOINTS = {"signin.form", "signin.submit", "oidc.start", "oidc.callback", "home.static"}

CASE_STATUS = CASE_STATUS_NAMES

ROLE_NAMES = {
    "applicant": _("申请单位"),
    "party_secretary": _("社区党组织书记"),
    "party_committee": _("社区党组织委员"),
    "street": _("街道党工委"),
    "auditor": _("审计"),
    "admin": _("系统管理员"),
}

PLACE_KINDS = {
    "district": _("区"),
    "street": _("街道"),
    "community": _("社区"),
    "estate": _("小区"),
}
ORGANIZATION_KINDS = {
    **APPLICANT_KINDS,
    "party_organization": _("社区党组织"),
    "street_committee": _("街道党工委"),
}

MATTER_SUB_TYPES = {code: m.sub_types for code, m in MATTERS.items()}


def case_service() -> CaseService:
    return current_app.extensions["case_service"]


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only database session for one page."""
    with case_service().reading() as db:
        yield db


def actor() -> Actor:
    """The signed-in actor; the guard has loaded it before any view runs."""
    return g.actor


def web_blueprint(name: str, import_name: str, **kwargs: Any) -> Blueprint:
    """A blueprint of pages: signed-in visitors only, CSRF-checked, errors as pages."""
    bp = Blueprint(name, import_name, **kwargs)
    bp.before_request(_guard)
    bp.before_request(_check_text)
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(RefusedText, _refused_text)
    return bp


def _guard() -> Response | None:
    """Refuse a POST without a valid CSRF token, then require a signed-in, active user."""
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            return error_page(
                _("表单已过期或来源无法确认，请返回上一页刷新后重新提交。"), 400, _("请求被拒绝")
            )
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    username = session.get("user")
    if username:
        with reading() as db:
            try:
                g.actor = case_service().actor(db, username)
            except NotFound:
                session.clear()
            else:
                return None
    return redirect(url_for("signin.form", next=request.full_path.rstrip("?")))


def _check_text() -> None:
    """After the CSRF check and signing in, before any view reads the request."""
    refuse_bad_text(request)


def _refused_text(exc: RefusedText) -> tuple[str, int]:
    """Which fields to correct; going back keeps what the visitor typed."""
    lines = [
        f"“{_('请求') if name == '_schema' else name}”：{'；'.join(texts)}"
        for name, texts in exc.messages.items()
    ]
    hint = _("请返回上一页修改后重新提交。")
    return error_page("　".join([*lines, hint]), 422, _("提交的内容有误"))


def safe_next(target: str | None) -> str:
    """Only a path on this site may be the place to go back to after signing in.

    Browsers read a backslash as a slash, so "/\\host" would leave the site like "//host".
    """
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.start")


def error_page(message: str, status: int, title: str | None = None) -> tuple[str, int]:
    return render_template("web/error.html", message=message, title=title or _("出错了")), status


def _service_error(exc: ServiceError) -> tuple[str, int]:
    titles = {
        NotFound: _("找不到该页面"),
        Forbidden: _("没有权限"),
        Conflict: _("办理冲突"),
    }
    message = exc.message
    if isinstance(exc, NotFound):
        message = _("没有找到您要的内容，或您无权查看。")
    return error_page(message, exc.status, titles.get(type(exc)))


def require_role(*roles: str) -> None:
    """Pages for some roles only (the auditor's pages): others get a plain refusal."""
    if not actor().roles().intersection((*roles, "admin")):
        raise Forbidden(
            _("该页面仅供{roles}使用。").format(roles="、".join(ROLE_NAMES[r] for r in roles))
        )


# ---------------------------------------------------------------- what templates use


def local_time(value: datetime | None) -> str:
    """A moment as Beijing time, to the minute."""
    if value is None:
        return "—"
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def deadline(value: datetime | None) -> str:
    """A deadline as the law words it: one ending at midnight is "24:00" of the day before."""
    if value is None:
        return "—"
    local = value.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def local_date(value: datetime | date | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d")
    return value.isoformat()


def chinese_date(value: datetime | date) -> str:
    """The date as written on an official document: 2026年3月2日."""
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return _("{y}年{m}月{d}日").format(y=value.year, m=value.month, d=value.day)


def matter_name(code: str) -> str:
    """The name of a case's kind, a matter or a periodic duty (the API's naming)."""
    return kind_name(code)


def sub_type_name(matter: str, code: str) -> str:
    return MATTER_SUB_TYPES.get(matter, {}).get(code, code)


def step_name(bpmn_id: str | None) -> str:
    """The name of a step of any case, matter or duty."""
    return duties.step_name(bpmn_id or "")


def xlsx_download(data: bytes, filename: str) -> Response:
    """An Excel workbook as a download."""
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def now() -> datetime:
    return case_service().clock.now()


def install(app: Flask, blueprints: set[str]) -> None:
    """Template helpers every page uses."""
    app.add_template_global(_, "_")
    app.add_template_global(generate_csrf, "csrf_token")
    app.add_template_global(matter_name)
    app.add_template_global(sub_type_name)
    app.add_template_global(step_name)
    app.add_template_global(CASE_STATUS, "CASE_STATUS")
    app.add_template_global(ROLE_NAMES, "ROLE_NAMES")
    app.add_template_global(APPLICANT_KINDS, "APPLICANT_KINDS")
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(deadline)
    app.add_template_filter(chinese_date)
    app.add_template_filter(format_area, "area")

    @app.context_processor
    def _signed_in() -> dict[str, Any]:
        if request.blueprint not in blueprints:
            return {}
        return {"current_actor": g.get("actor"), "now": now()}
