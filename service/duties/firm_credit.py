"""A property firm's credit record and the district's red/black list (红黑榜).

The record is read from what the case histories already hold: the party organization's
year-end evaluations, the firm's own steps that ran past their deadline and their
escalations to the street (a party organization's delay on the firm's case is not the
firm's), incidents and emergencies reported late and rectification items still open. The list is
kept by the district's administrators: each change of standing is recorded with who made
it and why. The register knows each firm by its unified social credit code (one firm per
code).
A firm-entry case takes the standing from this register, not from what the form says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.errors import Forbidden, InvalidInput, NotFound
from service.core.models import (
    Case,
    CaseEvent,
    CreditStandingChange,
    DutyFiling,
    Organization,
    User,
)
from service.duties.rectification_ledger import review_rows
from service.people.access import Actor
from workflows.catalogue import PROPERTY_FIRM
from workflows.duties import INCIDENT_REPORT, YEAR_END_REVIEW
from workflows.forms import FIRM_STANDINGS
from workflows.i18n import _
from workflows.matters.fund_emergency import CODE as FUND_EMERGENCY


@dataclass(frozen=True)
class Evaluation:
    year: str
    evaluation: str
    score: int | None
    case_id: int


@dataclass(frozen=True)
class StandingChange:
    previous: str
    standing: str
    reason: str
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class FirmRecord:
    """What the district weighs when it puts a firm on the red or the black list."""

    organization_id: int
    name: str
    credit_code: str | None
    standing: str
    evaluations: tuple[Evaluation, ...]
    # Steps of the body's own that ran past their deadline, and how often the street was
    # called in on them (a step given a new deadline by the street can be late again).
    overdue_steps: int
    escalations: int
    late_incident_reports: int
    # Emergency repairs (D2) reported to the party organization after the [config] hours.
    late_emergency_reports: int
    open_rectification_items: int
    overdue_rectification_items: int
    standing_changes: tuple[StandingChange, ...]


def registered_standing(session: Session, credit_code: str) -> str | None:
    """The register's standing of the firm with this credit code; None if not registered."""
    return session.scalar(
        select(Organization.credit_standing).where(
            Organization.kind == PROPERTY_FIRM, Organization.credit_code == credit_code
        )
    )


def with_registered_standing(session: Session, payload: Any) -> Any:
    """A firm-selection form with the standing replaced by the register's, if it knows the firm."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("firm_credit_code"), str):
        return payload
    standing = registered_standing(session, payload["firm_credit_code"].strip().upper())
    return payload if standing is None else {**payload, "firm_standing": standing}


def set_standing(
    session: Session,
    actor: Actor,
    organization_id: int,
    standing: str,
    reason: str,
    now: datetime,
) -> bool:
    """Put a firm on the red or black list, or take it off.

    Returns whether the standing changed; each change is recorded with the reason.
    """
    if not actor.is_admin():
        raise Forbidden(_("只有区级管理员可以调整物业服务企业红黑榜"))
    firm = session.get(Organization, organization_id)
    if firm is None or firm.kind != PROPERTY_FIRM:
        raise NotFound(_("没有这个物业服务企业"))
    errors: dict[str, list[str]] = {}
    if standing not in FIRM_STANDINGS:
        errors["standing"] = [
            _("红黑榜情况只能选择：{choices}").format(choices="、".join(FIRM_STANDINGS.values()))
        ]
    if not reason.strip():
        errors["reason"] = [_("请填写调整红黑榜的理由")]
    if errors:
        raise InvalidInput(errors)
    if firm.credit_standing == standing:
        return False
    session.add(
        CreditStandingChange(
            organization_id=firm.id,
            previous=firm.credit_standing,
            standing=standing,
            reason=reason.strip(),
            changed_by=actor.user_id,
            changed_at=now,
        )
    )
    firm.credit_standing = standing
    return True


def firm_record(session: Session, organization_id: int, today: date) -> FirmRecord:
    """The credit record of one reporting body (a firm's project, or a committee)."""
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(_("没有这个单位"))
    own = [
        data
        for _step, _case, data in _events(session, organization_id, "escalated")
        if data.get("overdue_role") == "applicant"
    ]
    ledger = review_rows(session, today, organization_id=organization_id)
    return FirmRecord(
        organization_id=organization.id,
        name=organization.name,
        credit_code=organization.credit_code,
        standing=organization.credit_standing,
        evaluations=_evaluations(session, organization_id),
        overdue_steps=len(
            {data.get("overdue_task_id") or data["supervision_task_id"] for data in own}
        ),
        escalations=len(own),
        late_incident_reports=_late_reports(session, organization_id, INCIDENT_REPORT),
        late_emergency_reports=_late_reports(session, organization_id, FUND_EMERGENCY),
        open_rectification_items=sum(1 for row in ledger if row.status != "done"),
        overdue_rectification_items=sum(1 for row in ledger if row.overdue),
        standing_changes=_changes(session, organization_id),
    )


def _events(
    session: Session, organization_id: int, kind: str, matter_type: str | None = None
) -> list[tuple[str, int, dict[str, Any]]]:
    query = (
        select(CaseEvent.task_bpmn_id, CaseEvent.case_id, CaseEvent.data)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.applicant_org_id == organization_id, CaseEvent.kind == kind)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    if matter_type is not None:
        query = query.where(Case.matter_type == matter_type)
    return [(step or "", case_id, data) for step, case_id, data in session.execute(query)]


def _evaluations(session: Session, organization_id: int) -> tuple[Evaluation, ...]:
    periods = dict(
        session.execute(
            select(DutyFiling.case_id, DutyFiling.period).where(
                DutyFiling.organization_id == organization_id,
                DutyFiling.duty == YEAR_END_REVIEW,
            )
        ).all()
    )
    return tuple(
        Evaluation(
            year=periods.get(case_id, ""),
            evaluation=data["data"]["evaluation"],
            score=data["data"].get("score"),
            case_id=case_id,
        )
        for step, case_id, data in _events(
            session, organization_id, "task_completed", YEAR_END_REVIEW
        )
        if step == "annual_evaluation"
    )


def _late_reports(session: Session, organization_id: int, kind: str) -> int:
    """Reports of this kind the filing marked as late (``reported_late``)."""
    filings = _events(session, organization_id, "case_filed", kind)
    return sum(
        1 for _step, _case, data in filings if data["initial"]["request"].get("reported_late")
    )


def _changes(session: Session, organization_id: int) -> tuple[StandingChange, ...]:
    rows = session.execute(
        select(CreditStandingChange, User.display_name)
        .join(User, User.id == CreditStandingChange.changed_by)
        .where(CreditStandingChange.organization_id == organization_id)
        .order_by(CreditStandingChange.id)
    )
    return tuple(
        StandingChange(c.previous, c.standing, c.reason, name, c.changed_at) for c, name in rows
    )
