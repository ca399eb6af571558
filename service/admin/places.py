"""Places and organizations: district → street → community → estate, and the bodies at
each level (applicants at an estate, the party organization at a community, the street's
working committee at a street)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.admin.changes import by_id, record_change, require_admin, row_id
from service.cases.case_service import CaseService
from service.core.errors import Conflict, InvalidInput, NotFound
from service.core.models import Organization, Place
from service.core.paging import Page, page
from service.people.access import Actor
from workflows.catalogue import APPLICANT_KINDS, PROPERTY_FIRM
from workflows.i18n import _

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
    credit_code: str | None


def place_view(session: Session, place: Place) -> PlaceView:
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    return PlaceView(place.id, place.code, place.name, place.kind, parent.code if parent else None)


def organization_view(session: Session, org: Organization) -> OrganizationView:
    place = session.get(Place, org.place_id)
    return OrganizationView(
        org.id, org.kind, org.name, place.code, org.credit_standing, org.credit_code
    )


def place_by_code(session: Session, code: str, field: str) -> Place:
    place = session.scalar(select(Place).where(Place.code == code))
    if place is None:
        raise InvalidInput({field: [_("没有编码为“{code}”的地点。").format(code=code)]})
    return place


def places_page(
    session: Session, actor: Actor, kind: str | None, cursor: str | None, limit: int
) -> Page[PlaceView]:
    require_admin(actor)
    stmt = select(Place)
    if kind:
        stmt = stmt.where(Place.kind == kind)
    rows, next_cursor = page(
        session, stmt, by_id(Place.id), Place.id, cursor, limit, row_id, row_id
    )
    return Page([place_view(session, p) for p in rows], next_cursor)


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
            parent = place_by_code(session, parent_code, "parent")
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
        record_change(svc, session, actor, "place_created", f"place:{row.code}", None, after)
        return place_view(session, row)


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
        by_id(Organization.id),
        Organization.id,
        cursor,
        limit,
        row_id,
        row_id,
    )
    return Page([organization_view(session, o) for o in rows], next_cursor)


def create_organization(
    svc: CaseService, actor: Actor, values: Mapping[str, Any]
) -> OrganizationView:
    """A body at its level: applicants at an estate, the party organization at a community."""
    require_admin(actor)
    with svc.transaction() as session:
        kind = values["kind"]
        place = place_by_code(session, values["place"], "place")
        if place.kind != ORGANIZATION_PLACE[kind]:
            raise InvalidInput({"place": [_("该类单位不能设在这一级地点。")]})
        row = Organization(kind=kind, name=values["name"].strip(), place_id=place.id)
        if "credit_code" in values:
            _register_credit_code(session, row, values["credit_code"])
        session.add(row)
        _flush_unique_code(session)
        after = {"kind": row.kind, "name": row.name, "place": place.code}
        if row.credit_code:
            after["credit_code"] = row.credit_code
        record_change(
            svc, session, actor, "organization_created", f"organization:{row.id}", None, after
        )
        return organization_view(session, row)


def update_organization(
    svc: CaseService, actor: Actor, organization_id: int, values: Mapping[str, Any]
) -> OrganizationView:
    """Rename an organization, or register a firm's credit code (the firm register)."""
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(Organization, organization_id)
        if row is None:
            raise NotFound(_("没有这个单位。"))
        target = f"organization:{row.id}"
        if "name" in values:
            before = {"name": row.name}
            row.name = values["name"].strip()
            record_change(
                svc, session, actor, "organization_renamed", target, before, {"name": row.name}
            )
        if "credit_code" in values:
            before = {"credit_code": row.credit_code}
            _register_credit_code(session, row, values["credit_code"])
            _flush_unique_code(session)
            after = {"credit_code": row.credit_code}
            record_change(
                svc, session, actor, "organization_credit_code_set", target, before, after
            )
        return organization_view(session, row)


def _register_credit_code(session: Session, row: Organization, credit_code: str) -> None:
    """A firm's unified social credit code: firms only, one firm per code."""
    if row.kind != PROPERTY_FIRM:
        raise InvalidInput({"credit_code": [_("只有物业服务企业登记统一社会信用代码。")]})
    holder = session.scalar(
        select(Organization).where(
            Organization.credit_code == credit_code, Organization.id != row.id
        )
    )
    if holder is not None:
        raise InvalidInput(
            {
                "credit_code": [
                    _("统一社会信用代码 {code} 已登记为“{name}”的代码。").format(
                        code=credit_code, name=holder.name
                    )
                ]
            }
        )
    row.credit_code = credit_code


def _flush_unique_code(session: Session) -> None:
    """Two administrators registering one code at once: the second is told it is taken."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(_("该统一社会信用代码刚被另一家企业登记，请刷新后核对。")) from None
