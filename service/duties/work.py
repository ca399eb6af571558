"""The duties as users reach them, shared by the API and the pages: reporting an incident,
the rectification ledger and the firms' credit register.

Each function decides who may do what, so a page and an API route can never disagree:
the ledger is for the party organization, the street and auditors (within their
places), the register is read by auditors, the street and administrators and changed
by administrators only. Out of scope
reads as missing (404), as everywhere else.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.attachments import check_references
from service.cases.case_service import CaseService
from service.core.errors import Forbidden, NotFound
from service.core.models import Organization, Place
from service.duties.firm_credit import FirmRecord, firm_record, set_standing
from service.duties.rectification_ledger import LedgerRow, ledger_rows, write_csv
from service.duties.schedule import DutyService
from service.people.access import Actor
from workflows.catalogue import PROPERTY_FIRM
from workflows.duties import REPORTER_KINDS
from workflows.forms import FIRM_STANDINGS
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

LEDGER_ROLES = ("party_secretary", "party_committee", "street", "auditor", "admin")
REGISTER_ROLES = ("street", "auditor", "admin")
# The red list first, then the black list, then the firms on neither.
STANDING_ORDER = {"red": 0, "black": 1, "none": 2}


def duty_service(service: CaseService) -> DutyService:
    """The duty service over the same database and clock as ``service``."""
    if isinstance(service, DutyService):
        return service
    return DutyService(service.sessions, service.clock)


def report_incident(service: CaseService, actor: Actor, payload: Mapping[str, Any]) -> int:
    """A committee or firm reports a major problem or emergency; returns the new case's id.

    Like a filing, the files it names must be the reporter's own uploads.
    """
    if isinstance(payload, Mapping):
        with service.sessions() as session:
            check_references(session, actor, payload.get("request"))
    return duty_service(service).report_incident(actor, payload)


def reporters(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the bodies the actor reports for: committees and firms' projects."""
    ids = [g.organization_id for g in actor.grants if g.role == "applicant" and g.organization_id]
    if not ids:
        return []
    return [
        (org.id, org.name)
        for org in session.scalars(
            select(Organization)
            .where(Organization.id.in_(ids), Organization.kind.in_(REPORTER_KINDS))
            .order_by(Organization.id)
        )
    ]


# -- the rectification ledger ------------------------------------------------------------


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def ledger_for(
    session: Session, actor: Actor, now: datetime, year: str | None = None
) -> list[LedgerRow]:
    """The rectification items of the year-end reviews in the actor's places."""
    if not actor.roles().intersection(LEDGER_ROLES):
        raise Forbidden(_("整改台账仅供社区党组织、街道党工委和审计查阅。"))
    return ledger_rows(session, _today(now), year=year, actor=actor)


def ledger_csv(rows: list[LedgerRow]) -> str:
    """The ledger as CSV text with a byte-order mark, so spreadsheet programs read Chinese."""
    out = io.StringIO()
    write_csv(rows, out)
    return "\ufeff" + out.getvalue()


# -- the firms' credit register ----------------------------------------------------------


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
