"""Reporting a major problem or an emergency, as the API and the pages reach it: the
bodies a user reports for, and the report itself, whose files must be the reporter's own
uploads (like a filing's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.attachments import check_references
from service.cases.case_service import CaseService
from service.core.models import Organization
from service.duties.schedule import DutyService
from service.people.access import Actor
from workflows.duties import REPORTER_KINDS


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
