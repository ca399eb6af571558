"""Filing a request (请示): the bodies a user may file for, and the filing itself, whose
attachments must be the filer's own uploads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.cases.attachments import check_references
from service.cases.case_service import CaseService
from service.core.models import Organization, Place
from service.people.access import Actor
from workflows import catalogue


@dataclass(frozen=True)
class Applicant:
    """A body the user may file for, at its estate."""

    organization_id: int
    organization: str
    kind: str
    estate_code: str
    estate: str

    def may_file(self, matter_type: str) -> bool:
        kinds = catalogue.matter(matter_type).applicant_kinds
        return not kinds or self.kind in kinds


def applicants(session: Session, actor: Actor) -> list[Applicant]:
    """Every body the actor's applicant grants name, in the order of the grants."""
    found = []
    for grant in actor.grants:
        if grant.role != "applicant" or grant.organization_id is None:
            continue
        org = session.get(Organization, grant.organization_id)
        estate = session.get(Place, grant.place_id)
        found.append(Applicant(org.id, org.name, org.kind, estate.code, estate.name))
    return found


def file_case(svc: CaseService, actor: Actor, payload: Mapping[str, Any]) -> int:
    """File a request whose attachments the actor has uploaded; returns the case id."""
    with svc.sessions() as session:
        check_references(session, actor, payload.get("request"))
    return svc.file_case(actor, payload)
