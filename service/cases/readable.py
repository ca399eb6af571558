"""A case as one reader may see it: found only within the reader's scope, and named by
its places and its applicant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.errors import NotFound
from service.core.models import Case, Organization, Place
from service.people.access import Actor, may_read_case, visible_cases
from workflows.i18n import _


def readable_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, if it exists and the actor may read it; NotFound either way otherwise."""
    case = session.get(Case, case_id)
    if case is None or not may_read_case(actor, case):
        raise NotFound(_("没有找到该案件，或您无权查看。"))
    return case


def estates_in_reach(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the estates the actor's readable cases lie in, for the filters."""
    return [
        (row.code, row.name)
        for row in session.execute(
            select(Place.code, Place.name)
            .where(Place.id.in_(select(Case.estate_id).where(visible_cases(actor))))
            .order_by(Place.code)
        )
    ]


@dataclass(frozen=True)
class CaseParties:
    """Where a case lies and who filed it, by name, as the pages head it."""

    estate: str
    community: str
    street: str
    applicant: str
    applicant_kind: str


def case_parties(session: Session, case: Case) -> CaseParties:
    org = session.get(Organization, case.applicant_org_id)
    return CaseParties(
        estate=session.get(Place, case.estate_id).name,
        community=session.get(Place, case.community_id).name,
        street=session.get(Place, case.street_id).name,
        applicant=org.name,
        applicant_kind=org.kind,
    )
