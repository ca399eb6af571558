"""Users and their roles: accounts, passwords, and the grants of a role at a place (an
applicant's also naming the body it acts for)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.admin.changes import by_id, record_change, require_admin, row_id
from service.admin.places import (
    PLACE_PARENT,
    OrganizationView,
    PlaceView,
    organization_view,
    place_by_code,
    place_view,
)
from service.cases.case_service import CaseService
from service.core.errors import Conflict, InvalidInput, NotFound
from service.core.models import Organization, Place, RoleGrant, User
from service.core.paging import Page, page
from service.people.access import ROLES, Actor
from service.people.auth import password_hash
from workflows.catalogue import APPLICANT_KINDS
from workflows.i18n import _

ROLE_PLACES = {
    "applicant": ("estate",),
    "party_secretary": ("community",),
    "party_committee": ("community",),
    "street": ("street",),
    "auditor": ("district", "street"),
    "admin": tuple(PLACE_PARENT),
}


@dataclass(frozen=True)
class GrantView:
    id: int
    role: str
    place: PlaceView
    organization: OrganizationView | None


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    active: bool
    grants: list[GrantView]


def grant_views(session: Session, user: User) -> list[GrantView]:
    return [
        GrantView(
            g.id,
            g.role,
            place_view(session, g.place),
            organization_view(session, session.get(Organization, g.organization_id))
            if g.organization_id
            else None,
        )
        for g in sorted(user.grants, key=lambda g: g.id)
    ]


def user_view(session: Session, user: User) -> UserView:
    return UserView(
        user.id, user.username, user.display_name, user.active, grant_views(session, user)
    )


def me(session: Session, actor: Actor) -> UserView:
    """The signed-in user with the roles they hold: what a client needs to show its menus."""
    return user_view(session, session.get(User, actor.user_id))


def users_page(session: Session, actor: Actor, cursor: str | None, limit: int) -> Page[UserView]:
    require_admin(actor)
    rows, next_cursor = page(
        session, select(User), by_id(User.id), User.id, cursor, limit, row_id, row_id
    )
    return Page([user_view(session, u) for u in rows], next_cursor)


def _user_fields(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "active": user.active}


def _grant_fields(session: Session, grant: RoleGrant) -> dict[str, Any]:
    return {
        "role": grant.role,
        "place": session.get(Place, grant.place_id).code,
        "organization_id": grant.organization_id,
    }


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("没有这个用户。"))
    return user


def user(session: Session, actor: Actor, user_id: int) -> UserView:
    require_admin(actor)
    return user_view(session, _user(session, user_id))


def create_user(svc: CaseService, actor: Actor, values: Mapping[str, Any]) -> UserView:
    require_admin(actor)
    with svc.transaction() as session:
        row = User(
            username=values["username"].strip(),
            display_name=values["display_name"].strip(),
            password_hash=password_hash(values["password"]),
            active=values.get("active", True),
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise Conflict(_("用户名已被使用。")) from None
        target = f"user:{row.username}"
        record_change(svc, session, actor, "user_created", target, None, _user_fields(row))
        return user_view(session, row)


def update_user(
    svc: CaseService, actor: Actor, user_id: int, values: Mapping[str, Any]
) -> UserView:
    """Change the name, switch the account on or off, or set a new password."""
    require_admin(actor)
    with svc.transaction() as session:
        row = _user(session, user_id)
        before = _user_fields(row)
        if "display_name" in values:
            row.display_name = values["display_name"].strip()
        if "active" in values:
            if not values["active"] and row.id == actor.user_id:
                raise InvalidInput({"active": [_("不能停用自己的账户。")]})
            row.active = values["active"]
        after = _user_fields(row)
        if "password" in values:
            row.password_hash = password_hash(values["password"])
            after["password"] = "reset"
        record_change(svc, session, actor, "user_updated", f"user:{row.username}", before, after)
        return user_view(session, row)


def add_grant(svc: CaseService, actor: Actor, user_id: int, values: Mapping[str, Any]) -> UserView:
    """Give a user a role at a place; an applicant also names the body it acts for."""
    require_admin(actor)
    with svc.transaction() as session:
        row = _user(session, user_id)
        role = values["role"]
        if role not in ROLES:
            raise InvalidInput({"role": [_("没有这个角色。")]})
        place = place_by_code(session, values["place"], "place")
        if place.kind not in ROLE_PLACES[role]:
            raise InvalidInput({"place": [_("该角色不能设在这一级地点。")]})
        organization_id = values.get("organization_id")
        if role == "applicant":
            org = session.get(Organization, organization_id) if organization_id else None
            if org is None or org.place_id != place.id or org.kind not in APPLICANT_KINDS:
                raise InvalidInput(
                    {"organization_id": [_("申请单位用户须指定该小区的一个申请单位。")]}
                )
        elif organization_id is not None:
            raise InvalidInput({"organization_id": [_("只有申请单位用户需要指定单位。")]})
        grant = RoleGrant(
            user_id=row.id, role=role, place_id=place.id, organization_id=organization_id
        )
        try:
            with session.begin_nested():
                session.add(grant)
        except IntegrityError:
            raise Conflict(_("该用户在这个地点已有此角色。")) from None
        fields_ = _grant_fields(session, grant)
        record_change(svc, session, actor, "grant_added", f"user:{row.username}", None, fields_)
        session.refresh(row)
        return user_view(session, row)


def remove_grant(svc: CaseService, actor: Actor, user_id: int, grant_id: int) -> UserView:
    require_admin(actor)
    with svc.transaction() as session:
        row = _user(session, user_id)
        grant = session.get(RoleGrant, grant_id)
        if grant is None or grant.user_id != row.id:
            raise NotFound(_("该用户没有这项角色。"))
        if grant.role == "admin" and row.id == actor.user_id:
            raise Conflict(_("不能撤销自己的系统管理员角色。"))
        fields_ = _grant_fields(session, grant)
        record_change(svc, session, actor, "grant_removed", f"user:{row.username}", fields_, None)
        session.delete(grant)
        session.flush()
        session.refresh(row)
        return user_view(session, row)
