"""The administrator's pages: users and their roles, places, organizations, the [config]
settings and the working-day calendar.

They do what the JSON API does, through the same service functions, so every change is
checked the same way and lands in the administration log. A refused change re-renders
the page with the service's Chinese messages next to the form that caused them.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from service.admin import administration as admin
from service.admin.administration import (
    ORGANIZATION_PLACE,
    PLACE_PARENT,
    GrantView,
    OrganizationView,
    PlaceView,
    SettingView,
)
from service.admin.inputs import (
    OrganizationCreateSchema,
    OrganizationUpdateSchema,
    PlaceCreateSchema,
    UserCreateSchema,
    UserUpdateSchema,
)
from service.core.db import Session
from service.core.errors import Conflict, InvalidInput
from service.web.common import (
    ORGANIZATION_KINDS,
    PLACE_KINDS,
    ROLE_NAMES,
    actor,
    case_service,
    now,
    reading,
    require_role,
    web_blueprint,
)
from workflows.catalogue import APPLICANT_KINDS, EMERGENCY_CATEGORY_LABELS
from workflows.i18n import _
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI

bp = web_blueprint("administration", __name__)

PAGE_SIZE = 30
Errors = dict[str, list[str]]

SETTING_NAMES = {
    "acceptance_working_days": _("受理审查期限（工作日）"),
    "study_working_days": _("集体研究期限（工作日）"),
    "reply_working_days": _("书面批复期限（工作日）"),
    "oversight_working_days": _("监督检查期限（工作日）"),
    "emergency_acknowledgement_hours": _("应急事项知悉确认时限（小时）"),
    "emergency_report_hours": _("应急事项报告时限（小时）"),
    "incident_report_hours": _("重大问题和突发事件报告时限（小时）"),
    "quarterly_report_working_days": _("季度报告期限（工作日）"),
    "year_end_review_working_days": _("年终述职评议期限（工作日）"),
    "reminder_before_hours": _("到期前提醒（小时）"),
    "party_share_policy": _("党员比例不足时"),
    "blacklist_policy": _("黑名单物业服务企业申请时"),
    "election_lead_months": _("换届选举提前申请（月）"),
    "election_reminder_months": _("换届提醒提前（月）"),
    "committee_handover_days": _("业委会交接期限（日）"),
    "firm_exit_handover_days": _("物业退出交接期限（日）"),
    "preparatory_group_days": _("筹备组成立期限（日）"),
    "emergency_categories": _("应急维修类别"),
}
POLICY_NAMES = {"warn": _("提醒"), "block": _("禁止")}
YES_NO = {"true": _("是"), "false": _("否")}
SOURCE_NAMES = {
    "override": _("管理员设置"),
    "chinese_calendar": _("国家法定节假日安排"),
    "weekday_fallback": _("按星期推定（无官方安排）"),
}
WEEKDAYS = (_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日"))
# The levels that may be a parent, and those organizations sit at, top down.
PARENT_KINDS = tuple(k for k in PLACE_PARENT if k in PLACE_PARENT.values())
ORGANIZATION_PLACE_KINDS = tuple(k for k in PLACE_PARENT if k in ORGANIZATION_PLACE.values())


@bp.before_request
def _admins_only() -> None:
    """Every page and form here is for administrators; others get a plain 403."""
    require_role("admin")


def _loaded(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """The form checked by the API's own schema, so both refuse the same input alike."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise InvalidInput({k: list(v) for k, v in messages.items()}) from None


def _problem(exc: InvalidInput | Conflict) -> Errors:
    """Per-field messages, or one for the whole form under ``_form``."""
    if isinstance(exc, InvalidInput):
        return exc.messages
    return {"_form": [exc.message]}


def _filled(*names: str) -> dict[str, str]:
    """The form's fields trimmed, blank ones left out: the schema then calls a blank
    required field required, and a blank optional one absent."""
    values = {name: request.form.get(name, "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


# -- users -------------------------------------------------------------------------------


def _place_text(place: PlaceView) -> str:
    return f"{place.name}（{place.code}）"


def _grant_rows(grants: list[GrantView]) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "role": ROLE_NAMES.get(g.role, g.role),
            "place": _place_text(g.place),
            "organization": g.organization.name if g.organization else "",
        }
        for g in grants
    ]


@bp.get("/admin/users")
def users() -> str:
    return _render_users({})


def _render_users(errors: Errors) -> str:
    cursor = request.args.get("cursor") or None
    with reading() as db:
        found = admin.users_page(db, actor(), cursor, PAGE_SIZE)
    rows = [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "active": u.active,
            "grants": _grant_rows(u.grants),
        }
        for u in found.items
    ]
    return render_template(
        "web/admin_users.html",
        rows=rows,
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        errors=errors,
        form=request.form,
    )


@bp.post("/admin/users")
def create_user() -> Response | tuple[str, int]:
    form = request.form
    data = {
        "username": form.get("username", "").strip(),
        "display_name": form.get("display_name", "").strip(),
        "password": form.get("password", ""),
        "active": "true" if form.get("active") else "false",
    }
    try:
        created = admin.create_user(case_service(), actor(), _loaded(UserCreateSchema(), data))
    except (InvalidInput, Conflict) as exc:
        return _render_users(_problem(exc)), exc.status
    flash(_("已新建用户 {name}，可在此授予角色。").format(name=created.username), "success")
    return redirect(url_for(".user", user_id=created.id))


@bp.get("/admin/users/<int:user_id>")
def user(user_id: int) -> str:
    return _render_user(user_id, "", {})


def _applicant_bodies() -> list[dict[str, Any]]:
    """The bodies an applicant user may act for, every page of them, for the grant form."""
    bodies, cursor = [], None
    with reading() as db:
        while True:
            found = admin.organizations_page(db, actor(), None, cursor, 100)
            bodies += [o for o in found.items if o.kind in APPLICANT_KINDS]
            cursor = found.next_cursor
            if cursor is None:
                break
    return [
        {"id": o.id, "label": f"{o.name}（{o.place_code}）"}
        for o in sorted(bodies, key=lambda o: (o.place_code, o.id))
    ]


def _render_user(user_id: int, failed: str, errors: Errors) -> str:
    """The user's page; ``failed`` names the form whose ``errors`` are shown."""
    with reading() as db:
        found = admin.user(db, actor(), user_id)
    return render_template(
        "web/admin_user.html",
        user=found,
        grants=_grant_rows(found.grants),
        role_names=ROLE_NAMES,
        bodies=_applicant_bodies(),
        failed=failed,
        errors=errors,
        form=request.form,
        is_self=found.id == actor().user_id,
    )


def _refused_update(user_id: int, failed: str, data: dict[str, Any]) -> tuple[str, int] | None:
    """Change the user; the page again with the messages if the change was refused."""
    try:
        admin.update_user(case_service(), actor(), user_id, _loaded(UserUpdateSchema(), data))
    except InvalidInput as exc:
        return _render_user(user_id, failed, exc.messages), exc.status
    return None


@bp.post("/admin/users/<int:user_id>/name")
def rename_user(user_id: int) -> Response | tuple[str, int]:
    refused = _refused_update(
        user_id, "name", {"display_name": request.form.get("display_name", "").strip()}
    )
    if refused:
        return refused
    flash(_("姓名已修改。"), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/active")
def switch_user(user_id: int) -> Response | tuple[str, int]:
    active = request.form.get("active") == "true"
    refused = _refused_update(user_id, "active", {"active": active})
    if refused:
        return refused
    flash(_("账户已启用。") if active else _("账户已停用，该用户不能再登录。"), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
def reset_password(user_id: int) -> Response | tuple[str, int]:
    refused = _refused_update(user_id, "password", {"password": request.form.get("password", "")})
    if refused:
        return refused
    flash(_("已设置新密码，请告知该用户。"), "success")
    return redirect(url_for(".user", user_id=user_id))


def _organization_id(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput({"organization_id": [_("请选择单位。")]})
    return int(text)


@bp.post("/admin/users/<int:user_id>/grants")
def add_grant(user_id: int) -> Response | tuple[str, int]:
    form = request.form
    try:
        values = {
            "role": form.get("role", ""),
            "place": form.get("place", "").strip(),
            "organization_id": _organization_id(form.get("organization_id", "")),
        }
        admin.add_grant(case_service(), actor(), user_id, values)
    except (InvalidInput, Conflict) as exc:
        return _render_user(user_id, "grant", _problem(exc)), exc.status
    flash(_("已授予角色。"), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/grants/<int:grant_id>/remove")
def remove_grant(user_id: int, grant_id: int) -> Response | tuple[str, int]:
    try:
        admin.remove_grant(case_service(), actor(), user_id, grant_id)
    except Conflict as exc:
        return _render_user(user_id, "grants", _problem(exc)), exc.status
    flash(_("已撤销角色。"), "success")
    return redirect(url_for(".user", user_id=user_id))


# -- places ------------------------------------------------------------------------------


def _all_places(db: Session) -> list[PlaceView]:
    """Every place, every page of them: the choices of the place lists and their names."""
    places: list[PlaceView] = []
    cursor = None
    while True:
        found = admin.places_page(db, actor(), None, cursor, 100)
        places += found.items
        cursor = found.next_cursor
        if cursor is None:
            return places


def _place_groups(places: list[PlaceView], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The places of ``kinds`` as option groups, one per level, for a select."""
    return [
        {
            "label": PLACE_KINDS[kind],
            "options": [
                {"code": p.code, "label": _place_text(p)} for p in places if p.kind == kind
            ],
        }
        for kind in kinds
    ]


def _place_kind() -> str | None:
    """The level the list is filtered on; anything unknown lists every level."""
    kind = request.args.get("kind") or None
    return kind if kind in PLACE_PARENT else None


@bp.get("/admin/places")
def places() -> str:
    return _render_places({})


def _render_places(errors: Errors) -> str:
    kind = _place_kind()
    cursor = request.args.get("cursor") or None
    with reading() as db:
        found = admin.places_page(db, actor(), kind, cursor, PAGE_SIZE)
        everywhere = _all_places(db)
    names = {p.code: _place_text(p) for p in everywhere}
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "kind": PLACE_KINDS.get(p.kind, p.kind),
            "parent": names.get(p.parent_code, p.parent_code) if p.parent_code else "",
        }
        for p in found.items
    ]
    return render_template(
        "web/admin_places.html",
        rows=rows,
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        kind=kind,
        kinds=PLACE_KINDS,
        parents=_place_groups(everywhere, PARENT_KINDS),
        chosen_kind=request.form.get("kind", kind or ""),
        errors=errors,
        form=request.form,
    )


@bp.post("/admin/places")
def create_place() -> Response | tuple[str, int]:
    values = _filled("kind", "code", "name", "parent")
    try:
        created = admin.create_place(case_service(), actor(), _loaded(PlaceCreateSchema(), values))
    except (InvalidInput, Conflict) as exc:
        return _render_places(_problem(exc)), exc.status
    message = _("已新建{kind}“{name}”（{code}）。")
    flash(
        message.format(kind=PLACE_KINDS[created.kind], name=created.name, code=created.code),
        "success",
    )
    return redirect(url_for(".places", kind=created.kind))


# -- organizations -----------------------------------------------------------------------


def _organization_row(
    org: OrganizationView, names: dict[str, str], failed: str, errors: Errors
) -> dict[str, Any]:
    """One organization; the renaming ``failed`` shows what was typed and why it was refused."""
    refused = failed == str(org.id)
    return {
        "id": org.id,
        "name": org.name,
        "kind": ORGANIZATION_KINDS.get(org.kind, org.kind),
        "place": names.get(org.place_code, org.place_code),
        "typed": request.form.get("name", "") if refused else org.name,
        "errors": errors.get("name", []) if refused else [],
    }


@bp.get("/admin/organizations")
def organizations() -> str:
    return _render_organizations("", {})


def _render_organizations(failed: str, errors: Errors) -> str:
    """The list, filtered on ``?place=``; ``failed`` is "create" or the id of the
    organization whose form the ``errors`` belong to."""
    place = request.args.get("place") or None
    cursor = request.args.get("cursor") or None
    with reading() as db:
        found = admin.organizations_page(db, actor(), place, cursor, PAGE_SIZE)
        everywhere = _all_places(db)
    names = {p.code: _place_text(p) for p in everywhere}
    return render_template(
        "web/admin_organizations.html",
        rows=[_organization_row(o, names, failed, errors) for o in found.items],
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        place=place,
        cursor=cursor,
        places=_place_groups(everywhere, ORGANIZATION_PLACE_KINDS),
        kinds=ORGANIZATION_KINDS,
        chosen_place=request.form.get("place", place or ""),
        errors=errors if failed == "create" else {},
        form=request.form,
    )


@bp.post("/admin/organizations")
def create_organization() -> Response | tuple[str, int]:
    values = _filled("kind", "name", "place")
    try:
        created = admin.create_organization(
            case_service(), actor(), _loaded(OrganizationCreateSchema(), values)
        )
    except InvalidInput as exc:
        return _render_organizations("create", exc.messages), exc.status
    flash(_("已新建单位“{name}”。").format(name=created.name), "success")
    return redirect(url_for(".organizations", place=created.place_code))


@bp.post("/admin/organizations/<int:organization_id>/name")
def rename_organization(organization_id: int) -> Response | tuple[str, int]:
    """Renamed from its row; the list comes back as it was (``?place=``, ``?cursor=``)."""
    try:
        name = _loaded(OrganizationUpdateSchema(), _filled("name"))["name"]
        renamed = admin.rename_organization(case_service(), actor(), organization_id, name)
    except InvalidInput as exc:
        return _render_organizations(str(organization_id), exc.messages), exc.status
    flash(_("单位已更名为“{name}”。").format(name=renamed.name), "success")
    listing = url_for(
        ".organizations",
        place=request.args.get("place") or None,
        cursor=request.args.get("cursor") or None,
        _anchor=f"organization-{organization_id}",
    )
    return redirect(listing)


# -- settings ----------------------------------------------------------------------------


def _widget(key: str, default: Any) -> str:
    if isinstance(default, bool):
        return "yesno"
    if isinstance(default, int):
        return "number"
    if key.endswith("_policy"):
        return "policy"
    return "categories"


def _shown(widget: str, value: Any) -> str:
    """A setting's value in words."""
    if widget == "yesno":
        return YES_NO["true" if value else "false"]
    if widget == "policy":
        return POLICY_NAMES.get(value, value)
    if widget == "categories":
        return "、".join(EMERGENCY_CATEGORY_LABELS.get(v, v) for v in value)
    return str(value)


def _field_value(widget: str, value: Any) -> Any:
    """What the form shows: "true"/"false" for a select, codes for checkboxes, else text."""
    if widget == "yesno":
        return "true" if value else "false"
    if widget == "categories":
        return list(value)
    return str(value)


def _setting_row(setting: SettingView, failed: str, errors: Errors) -> dict[str, Any]:
    widget = _widget(setting.key, setting.default)
    value = _field_value(widget, setting.value)
    if setting.key == failed:
        typed = request.form.getlist("value")
        value = typed if widget == "categories" else "".join(typed[:1])
    return {
        "key": setting.key,
        "name": SETTING_NAMES.get(setting.key, setting.key),
        "widget": widget,
        "current": _shown(widget, setting.value),
        "default": _shown(widget, setting.default),
        "overridden": setting.overridden,
        "value": value,
        "errors": errors.get("value", []) if setting.key == failed else [],
    }


@bp.get("/admin/settings")
def settings() -> str:
    return _render_settings("", {})


def _render_settings(failed: str, errors: Errors) -> str:
    with reading() as db:
        found = admin.settings(db, actor())
    return render_template(
        "web/admin_settings.html",
        rows=[_setting_row(s, failed, errors) for s in found],
        policies=POLICY_NAMES,
        yes_no=YES_NO,
        categories=EMERGENCY_CATEGORY_LABELS,
    )


def _setting_value(key: str) -> Any:
    """The submitted value typed as the default is; what does not parse goes on as text
    for the service to refuse in its own words."""
    widget = _widget(key, getattr(Settings(), key, ""))
    text = request.form.get("value", "").strip()
    if widget == "categories":
        return request.form.getlist("value")
    if widget == "yesno" and text in YES_NO:
        return text == "true"
    if widget == "number" and text.lstrip("-").isdigit():
        return int(text)
    return text


@bp.post("/admin/settings/<string(maxlength=64):key>")
def set_setting(key: str) -> Response | tuple[str, int]:
    try:
        admin.set_setting(case_service(), actor(), key, _setting_value(key))
    except InvalidInput as exc:
        return _render_settings(key, exc.messages), exc.status
    flash(_("配置项“{name}”已修改。").format(name=SETTING_NAMES.get(key, key)), "success")
    return redirect(url_for(".settings", _anchor=f"setting-{key}"))


@bp.post("/admin/settings/<string(maxlength=64):key>/reset")
def clear_setting(key: str) -> Response:
    admin.clear_setting(case_service(), actor(), key)
    flash(_("配置项“{name}”已恢复默认值。").format(name=SETTING_NAMES.get(key, key)), "success")
    return redirect(url_for(".settings", _anchor=f"setting-{key}"))


# -- calendar ----------------------------------------------------------------------------


def _month() -> date:
    """The first day of the month asked for (``?month=2026-05``), this month otherwise."""
    try:
        return date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        return now().astimezone(SHANGHAI).date().replace(day=1)


def _shifted(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.get("/admin/calendar")
def calendar() -> str:
    return _render_calendar(_month(), {})


def _render_calendar(first: date, errors: Errors) -> str:
    last = first.replace(day=monthrange(first.year, first.month)[1])
    with reading() as db:
        entries = admin.calendar(db, actor(), first, last)
    rows = [
        {
            "day": e.day.isoformat(),
            "weekday": _("星期{d}").format(d=WEEKDAYS[e.day.weekday()]),
            "working": _("工作日") if e.is_workday else _("休息日"),
            "is_workday": e.is_workday,
            "source": SOURCE_NAMES.get(e.source, e.source),
            "overridden": e.source == "override",
            "note": e.note,
        }
        for e in entries
    ]
    return render_template(
        "web/admin_calendar.html",
        rows=rows,
        month=_("{y}年{m}月").format(y=first.year, m=first.month),
        month_code=first.strftime("%Y-%m"),
        previous=_shifted(first, -1),
        following=_shifted(first, 1),
        errors=errors,
        form=request.form,
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput({"day": [_("应为日期，格式为 YYYY-MM-DD。")]}) from None


@bp.post("/admin/calendar")
def set_calendar_day() -> Response | tuple[str, int]:
    form = request.form
    try:
        day = _day(form.get("day", ""))
        admin.set_calendar_day(
            case_service(), actor(), day, form.get("is_workday") == "true", form.get("note", "")
        )
    except InvalidInput as exc:
        return _render_calendar(_month(), exc.messages), exc.status
    flash(_("{day} 已设置。").format(day=day.isoformat()), "success")
    return redirect(url_for(".calendar", month=day.strftime("%Y-%m")))


@bp.post("/admin/calendar/<string(length=10):day>/clear")
def clear_calendar_day(day: str) -> Response:
    when = _day(day)
    admin.clear_calendar_day(case_service(), actor(), when)
    flash(_("{day} 已恢复为内置日历。").format(day=when.isoformat()), "success")
    return redirect(url_for(".calendar", month=when.strftime("%Y-%m")))
