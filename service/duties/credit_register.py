"""The firms' red/black list as its readers reach it, shared by the API and the pages: it
is read by the street, auditors and administrators within their places, and changed by
administrators only, with a reason. Out of scope reads as missing (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.core.errors import Forbidden, NotFound
from service.core.models import Organization, Place
from service.duties.firm_credit import FirmRecord, firm_record, set_standing
from service.people.access import Actor
from workflows.catalogue import PROPERTY_FIRM
from workflows.forms import FIRM_STANDINGS
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


REGISTER_ROLES = ("street", "auditor", "admin")
# The red list first, then the black list, then the firms on neither.
STANDING_ORDER = {"red": 0, "black": 1, "none": 2}


@dataclass(frozen=True)
class FirmStanding:
    """One firm's project on the district's red/black list."""

    organization_id: int
    name: str
    credit_code: str | None
    estate: str
    standing: str
    standing_label: str


def _places_above(place: Place | None) -> set[int]:
    ids = set()
    while place is not None:
        ids.add(place.id)
        place = place.parent
    return ids


def _may_read_register(actor: Actor) -> None:
    if not actor.roles().intersection(REGISTER_ROLES):
        raise Forbidden(_("红黑榜仅供街道党工委、审计和系统管理员查阅。"))


def _in_reach(actor: Actor, firm: Organization) -> bool:
    if actor.is_admin():
        return True
    above = _places_above(firm.place)
    return any(g.role in REGISTER_ROLES and g.place_id in above for g in actor.grants)


def register(session: Session, actor: Actor) -> list[FirmStanding]:
    """The firms' projects in the actor's places with their standing, red list first."""
    _may_read_register(actor)
    firms = session.scalars(
        select(Organization).where(Organization.kind == PROPERTY_FIRM).order_by(Organization.id)
    )
    found = [
        FirmStanding(
            organization_id=firm.id,
            name=firm.name,
            credit_code=firm.credit_code,
            estate=firm.place.name,
            standing=firm.credit_standing,
            standing_label=FIRM_STANDINGS.get(firm.credit_standing, firm.credit_standing),
        )
        for firm in firms
        if _in_reach(actor, firm)
    ]
    return sorted(found, key=lambda f: (STANDING_ORDER.get(f.standing, 3), f.organization_id))


def _firm_in_reach(session: Session, actor: Actor, organization_id: int) -> Organization:
    _may_read_register(actor)
    firm = session.get(Organization, organization_id)
    if firm is None or firm.kind != PROPERTY_FIRM or not _in_reach(actor, firm):
        raise NotFound(_("没有这个物业服务企业，或您无权查看。"))
    return firm


def firm_record_for(
    session: Session, actor: Actor, organization_id: int, now: datetime
) -> FirmRecord:
    """A firm project's credit record, if it lies in the actor's places."""
    firm = _firm_in_reach(session, actor, organization_id)
    return firm_record(session, firm.id, _today(now))


def change_standing(
    service: CaseService, actor: Actor, organization_id: int, standing: str, reason: str
) -> FirmRecord:
    """The administrator puts a firm on the red or black list (or takes it off), saying why."""
    with service.transaction() as session:
        firm = _firm_in_reach(session, actor, organization_id)
        set_standing(session, actor, firm.id, standing, reason, service.clock.now())
    with service.sessions() as session:
        return firm_record(session, organization_id, _today(service.clock.now()))
