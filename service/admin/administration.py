"""What administrators keep up: users and their roles, places, organizations, the
working-day calendar and the [config] settings.

Only the admin role may call these (``require_admin``). Each function checks what would
make the data inconsistent — a role at the wrong level of place, an applicant without
its organization, a setting of the wrong type — and says so in Chinese, per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.admin import log as admin_log
from service.cases.case_service import CaseService
from service.core.configuration import load_calendar
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import CalendarDay, Organization, Place, RoleGrant, SettingOverride, User
from service.core.paging import Page, SortKey, page
from service.people.access import ROLES, Actor
from service.people.auth import password_hash
from workflows.catalogue import APPLICANT_KINDS, EMERGENCY_CATEGORY_LABELS
from workflows.i18n import _
from workflows.settings import POLICIES, Settings

PLACE_PARENT = {
    "district": None,
    "street": "district",
    "community": "street",
    "estate": "community",
}
ORGANIZATION_PLACE = {
    **dict.fromkeys(APPLICANT_KINDS, "estate"),
    "party_organization": "community",
    "street_committee": "street",
}
ROLE_PLACES = {
    "applicant": ("estate",),
    "party_secretary": ("community",),
    "party_committee": ("community",),
    "street": ("street",),
    "auditor": ("district", "street"),
    "admin": tuple(PLACE_PARENT),
}
MAX_CALENDAR_SPAN = 366


def _record(
    svc: CaseService,
    session: Session,
    actor: Actor,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    admin_log.record(session, actor, svc.clock.now(), action, target, before, after)


def _user_fields(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "active": user.active}


def _grant_fields(session: Session, grant: RoleGrant) -> dict[str, Any]:
    return {
        "role": grant.role,
        "place": session.get(Place, grant.place_id).code,
        "organization_id": grant.organization_id,
    }


def require_admin(actor: Actor) -> None:
    if not actor.is_admin():
        raise Forbidden(_("只有系统管理员可以进行此操作。"))


def _by_id(column: Any) -> SortKey:
    return SortKey("id", column)


def _id(row: Any) -> int:
    return row.id


# -- users and grants --------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceView:
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None


@dataclass(frozen=True)
class OrganizationView:
    id: int
    kind: str
    name: str
    place_code: str
    credit_standing: str


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


def _place_view(session: Session, place: Place) -> PlaceView:
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    return PlaceView(place.id, place.code, place.name, place.kind, parent.code if parent else None)


def _organization_view(session: Session, org: Organization) -> OrganizationView:
    place = session.get(Place, org.place_id)
    return OrganizationView(org.id, org.kind, org.name, place.code, org.credit_standing)


def grant_views(session: Session, user: User) -> list[GrantView]:
    return [
        GrantView(
            g.id,
            g.role,
            _place_view(session, g.place),
            _organization_view(session, session.get(Organization, g.organization_id))
            if g.organization_id
            else None,
        )
        for g in sorted(user.grants, key=lambda g: g.id)
    ]


def _user_view(session: Session, user: User) -> UserView:
    return UserView(
        user.id, user.username, user.display_name, user.active, grant_views(session, user)
    )


def me(session: Session, actor: Actor) -> UserView:
    """The signed-in user with the roles they hold: what a client needs to show its menus."""
    return _user_view(session, session.get(User, actor.user_id))


def users_page(session: Session, actor: Actor, cursor: str | None, limit: int) -> Page[UserView]:
    require_admin(actor)
    rows, next_cursor = page(
        session, select(User), _by_id(User.id), User.id, cursor, limit, _id, _id
    )
    return Page([_user_view(session, u) for u in rows], next_cursor)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("没有这个用户。"))
    return user


def user(session: Session, actor: Actor, user_id: int) -> UserView:
    require_admin(actor)
    return _user_view(session, _user(session, user_id))


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
        _record(svc, session, actor, "user_created", target, None, _user_fields(row))
        return _user_view(session, row)


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
        _record(svc, session, actor, "user_updated", f"user:{row.username}", before, after)
        return _user_view(session, row)


def _place_by_code(session: Session, code: str, field: str) -> Place:
    place = session.scalar(select(Place).where(Place.code == code))
    if place is None:
        raise InvalidInput({field: [_("没有编码为“{code}”的地点。").format(code=code)]})
    return place


def add_grant(svc: CaseService, actor: Actor, user_id: int, values: Mapping[str, Any]) -> UserView:
    """Give a user a role at a place; an applicant also names the body it acts for."""
    require_admin(actor)
    with svc.transaction() as session:
        row = _user(session, user_id)
        role = values["role"]
        if role not in ROLES:
            raise InvalidInput({"role": [_("没有这个角色。")]})
        place = _place_by_code(session, values["place"], "place")
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
        _record(svc, session, actor, "grant_added", f"user:{row.username}", None, fields_)
        session.refresh(row)
        return _user_view(session, row)


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
        _record(svc, session, actor, "grant_removed", f"user:{row.username}", fields_, None)
        session.delete(grant)
        session.flush()
        session.refresh(row)
        return _user_view(session, row)


# -- places and organizations ------------------------------------------------------------


def places_page(
    session: Session, actor: Actor, kind: str | None, cursor: str | None, limit: int
) -> Page[PlaceView]:
    require_admin(actor)
    stmt = select(Place)
    if kind:
        stmt = stmt.where(Place.kind == kind)
    rows, next_cursor = page(session, stmt, _by_id(Place.id), Place.id, cursor, limit, _id, _id)
    return Page([_place_view(session, p) for p in rows], next_cursor)


def create_place(svc: CaseService, actor: Actor, values: Mapping[str, Any]) -> PlaceView:
    """A new district, street, community or estate, under a place one level up."""
    require_admin(actor)
    with svc.transaction() as session:
        kind = values["kind"]
        parent_kind = PLACE_PARENT[kind]
        parent_code = values.get("parent")
        parent = None
        if parent_kind is None:
            if parent_code:
                raise InvalidInput({"parent": [_("区不设上级地点。")]})
        else:
            if not parent_code:
                raise InvalidInput({"parent": [_("街道、社区和小区须有上级地点。")]})
            parent = _place_by_code(session, parent_code, "parent")
            if parent.kind != parent_kind:
                raise InvalidInput({"parent": [_("上级地点的层级不对。")]})
        row = Place(
            kind=kind,
            code=values["code"].strip(),
            name=values["name"].strip(),
            parent_id=parent.id if parent else None,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise Conflict(_("地点编码已被使用。")) from None
        after = {"kind": row.kind, "code": row.code, "name": row.name, "parent": parent_code}
        _record(svc, session, actor, "place_created", f"place:{row.code}", None, after)
        return _place_view(session, row)


def organizations_page(
    session: Session, actor: Actor, place: str | None, cursor: str | None, limit: int
) -> Page[OrganizationView]:
    require_admin(actor)
    stmt = select(Organization)
    if place:
        stmt = stmt.where(
            Organization.place_id == select(Place.id).where(Place.code == place).scalar_subquery()
        )
    rows, next_cursor = page(
        session,
        stmt,
        _by_id(Organization.id),
        Organization.id,
        cursor,
        limit,
        _id,
        _id,
    )
    return Page([_organization_view(session, o) for o in rows], next_cursor)


def create_organization(
    svc: CaseService, actor: Actor, values: Mapping[str, Any]
) -> OrganizationView:
    """A body at its level: applicants at an estate, the party organization at a community."""
    require_admin(actor)
    with svc.transaction() as session:
        kind = values["kind"]
        place = _place_by_code(session, values["place"], "place")
        if place.kind != ORGANIZATION_PLACE[kind]:
            raise InvalidInput({"place": [_("该类单位不能设在这一级地点。")]})
        row = Organization(kind=kind, name=values["name"].strip(), place_id=place.id)
        session.add(row)
        session.flush()
        after = {"kind": row.kind, "name": row.name, "place": place.code}
        _record(svc, session, actor, "organization_created", f"organization:{row.id}", None, after)
        return _organization_view(session, row)


def rename_organization(
    svc: CaseService, actor: Actor, organization_id: int, name: str
) -> OrganizationView:
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(Organization, organization_id)
        if row is None:
            raise NotFound(_("没有这个单位。"))
        before = {"name": row.name}
        row.name = name.strip()
        target = f"organization:{row.id}"
        _record(svc, session, actor, "organization_renamed", target, before, {"name": row.name})
        return _organization_view(session, row)


# -- calendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    is_workday: bool
    source: str
    note: str


def calendar(session: Session, actor: Actor, first: date, last: date) -> list[CalendarEntry]:
    """Every day of a span with its working status and where that comes from."""
    require_admin(actor)
    if last < first or (last - first).days >= MAX_CALENDAR_SPAN:
        message = _("结束日期应不早于开始日期，且跨度不超过 {n} 天。")
        raise InvalidInput({"to": [message.format(n=MAX_CALENDAR_SPAN)]})
    notes = {
        row.day: row.note
        for row in session.scalars(
            select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)
        )
    }
    work_calendar = load_calendar(session)
    entries = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        info = work_calendar.day_info(day)
        entries.append(CalendarEntry(day, info.is_workday, str(info.source), notes.get(day, "")))
    return entries


def set_calendar_day(
    svc: CaseService, actor: Actor, day: date, is_workday: bool, note: str
) -> CalendarEntry:
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(CalendarDay, day)
        before = _calendar_fields(row) if row is not None else None
        if row is None:
            row = CalendarDay(day=day, is_workday=is_workday, note=note.strip())
            session.add(row)
        else:
            row.is_workday, row.note = is_workday, note.strip()
        target = f"calendar:{day.isoformat()}"
        _record(svc, session, actor, "calendar_day_set", target, before, _calendar_fields(row))
        return CalendarEntry(day, is_workday, "override", row.note)


def _calendar_fields(row: CalendarDay) -> dict[str, Any]:
    return {"is_workday": row.is_workday, "note": row.note}


def clear_calendar_day(svc: CaseService, actor: Actor, day: date) -> None:
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(CalendarDay, day)
        if row is None:
            raise NotFound(_("该日期没有管理员设置。"))
        target = f"calendar:{day.isoformat()}"
        _record(svc, session, actor, "calendar_day_cleared", target, _calendar_fields(row), None)
        session.delete(row)


# -- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingView:
    key: str
    value: Any
    default: Any
    overridden: bool


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def settings(session: Session, actor: Actor) -> list[SettingView]:
    require_admin(actor)
    overrides = {row.key: row.value for row in session.scalars(select(SettingOverride))}
    defaults = Settings()
    effective = defaults.with_overrides({k: v for k, v in overrides.items() if _known(k)})
    return [
        SettingView(
            f.name,
            _plain(getattr(effective, f.name)),
            _plain(getattr(defaults, f.name)),
            f.name in overrides,
        )
        for f in fields(Settings)
    ]


def _known(key: str) -> bool:
    return key in {f.name for f in fields(Settings)}


def _checked_setting(key: str, value: Any) -> Any:
    """The value if it has the type and range the setting's default has."""
    if not _known(key):
        raise NotFound(_("没有这个设置项。"))
    default = getattr(Settings(), key)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InvalidInput({"value": [_("应为 true 或 false。")]})
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise InvalidInput({"value": [_("应为 1 至 3650 的整数。")]})
    elif key.endswith("_policy"):
        if value not in POLICIES:
            raise InvalidInput({"value": [_("只能是 warn（提醒）或 block（禁止）。")]})
    elif key == "emergency_categories":
        if (
            not isinstance(value, list)
            or not value
            or any(
                not isinstance(item, str) or item not in EMERGENCY_CATEGORY_LABELS for item in value
            )
        ):
            message = _("应为应急类别代码的非空列表，只能取：{codes}。")
            codes = "、".join(EMERGENCY_CATEGORY_LABELS)
            raise InvalidInput({"value": [message.format(codes=codes)]})
        value = list(dict.fromkeys(value))
    elif not isinstance(value, type(default)):
        raise InvalidInput({"value": [_("类型与默认值不符。")]})
    return value


def set_setting(svc: CaseService, actor: Actor, key: str, value: Any) -> SettingView:
    require_admin(actor)
    value = _checked_setting(key, value)
    with svc.transaction() as session:
        row = session.get(SettingOverride, key)
        before = {"value": row.value} if row is not None else None
        if row is None:
            session.add(SettingOverride(key=key, value=value))
        else:
            row.value = value
        session.flush()
        _record(svc, session, actor, "setting_set", f"setting:{key}", before, {"value": value})
    with svc.sessions() as session:
        return next(s for s in settings(session, actor) if s.key == key)


def clear_setting(svc: CaseService, actor: Actor, key: str) -> SettingView:
    require_admin(actor)
    if not _known(key):
        raise NotFound(_("没有这个设置项。"))
    with svc.transaction() as session:
        row = session.get(SettingOverride, key)
        if row is not None:
            before = {"value": row.value}
            _record(svc, session, actor, "setting_cleared", f"setting:{key}", before, None)
            session.delete(row)
    with svc.sessions() as session:
        return next(s for s in settings(session, actor) if s.key == key)
