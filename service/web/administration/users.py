"""Users and their roles: the list, one user's page, creating, renaming, switching off,
new passwords, and granting and removing roles."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.admin import places as admin_places
from service.admin import users as admin_users
from service.admin.inputs import UserCreateSchema, UserUpdateSchema
from service.admin.users import GrantView
from service.core.errors import Conflict, InvalidInput
from service.web.administration.forms import (
    PAGE_SIZE,
    Errors,
    bp,
    checked,
    place_text,
    problem,
)
from service.web.common import ROLE_NAMES, actor, case_service, reading
from workflows.catalogue import APPLICANT_KINDS
from workflows.i18n import _


def _grant_rows(grants: list[GrantView]) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "role": ROLE_NAMES.get(g.role, g.role),
            "place": place_text(g.place),
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
        found = admin_users.users_page(db, actor(), cursor, PAGE_SIZE)
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
        "active": bool(form.get("active")),
    }
    try:
        created = admin_users.create_user(
            case_service(), actor(), checked(UserCreateSchema(), data)
        )
    except (InvalidInput, Conflict) as exc:
        return _render_users(problem(exc)), exc.status
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
            found = admin_places.organizations_page(db, actor(), None, cursor, 100)
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
        found = admin_users.user(db, actor(), user_id)
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
        admin_users.update_user(case_service(), actor(), user_id, checked(UserUpdateSchema(), data))
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
        admin_users.add_grant(case_service(), actor(), user_id, values)
    except (InvalidInput, Conflict) as exc:
        return _render_user(user_id, "grant", problem(exc)), exc.status
    flash(_("已授予角色。"), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/grants/<int:grant_id>/remove")
def remove_grant(user_id: int, grant_id: int) -> Response | tuple[str, int]:
    try:
        admin_users.remove_grant(case_service(), actor(), user_id, grant_id)
    except Conflict as exc:
        return _render_user(user_id, "grants", problem(exc)), exc.status
    flash(_("已撤销角色。"), "success")
    return redirect(url_for(".user", user_id=user_id))
