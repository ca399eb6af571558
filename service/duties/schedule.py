"""Filing the periodic duties on schedule and incident reports when a body makes one.

A duty case is a case like a matter's: its own process, engine state, task rows and
hash-chained history, advanced by ``CaseService.complete_task`` and its timers. What
differs is the filing. Quarterly reports and year-end reviews are filed by the service
itself (no user: ``filed_by`` is empty) for every reporting body, one per body and
period — the ``duty_filings`` row makes a second filing fail, so several workers, or
one run twice, never file the same report twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cases.opening import open_case
from service.cases.operation import moment_at, step_context, validated
from service.cases.reminders import announce_open_tasks
from service.core.errors import Forbidden, InvalidInput
from service.core.models import Case, DutyFiling, Organization, Place
from service.people.access import Actor, may_file_for
from workflows import duty_forms
from workflows.duties import DUTIES, INCIDENT_REPORT, REPORTER_KINDS, DutyType, Window, open_window
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI


class DutyService(CaseService):
    """The case service plus the duties: what the worker and the incident form call."""

    def due_timer_cases(self, limit: int = 100) -> list[int]:
        """Running cases with a timer due now, earliest first (``fire_timers_of`` locks each)."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Case.id)
                    .where(Case.status == "running", Case.next_timer_due <= self.clock.now())
                    .order_by(Case.next_timer_due, Case.id)
                    .limit(limit)
                )
            )

    def fire_timers_of(self, case_id: int) -> int:
        """Fire one case's due timers under its row lock; 0 if busy elsewhere or none due."""
        return self._fire_timers(case_id)

    def file_scheduled_duties(self) -> int:
        """File the quarterly reports and year-end reviews now due; returns how many."""
        with self.sessions() as session:
            moment = moment_at(session, self.clock.now())
            today = moment.now.astimezone(SHANGHAI).date()
            reporters = list(
                session.scalars(
                    select(Organization.id)
                    .join(Place, Place.id == Organization.place_id)
                    .where(Organization.kind.in_(REPORTER_KINDS), Place.kind == "estate")
                    .order_by(Organization.id)
                )
            )
            wanted: list[tuple[DutyType, Window, int]] = []
            for duty in DUTIES.values():
                if not duty.scheduled:
                    continue
                window = open_window(duty.code, today, moment.settings, moment.calendar)
                if window is None:
                    continue
                filed = set(
                    session.scalars(
                        select(DutyFiling.organization_id).where(
                            DutyFiling.duty == duty.code, DutyFiling.period == window.period.key
                        )
                    )
                )
                wanted += [(duty, window, org) for org in reporters if org not in filed]
        filed_now = 0
        for duty, window, organization_id in wanted:
            try:
                with self.transaction() as session:
                    self._file_scheduled(session, duty, window, organization_id)
                filed_now += 1
            except IntegrityError:
                continue  # another worker filed it first
        return filed_now

    def _file_scheduled(
        self, session: Session, duty: DutyType, window: Window, organization_id: int
    ) -> Case:
        organization = session.get(Organization, organization_id)
        period = window.period
        request = {
            "period": period.key,
            "period_label": period.label,
            "period_first_day": period.first_day.isoformat(),
            "period_last_day": period.last_day.isoformat(),
            "due_on": window.due_on.isoformat(),
            "calendar_warnings": list(window.warnings),
        }
        title = duty.case_title(organization.name, period)

        def claim(case: Case) -> None:
            session.add(
                DutyFiling(
                    duty=duty.code,
                    organization_id=organization.id,
                    period=period.key,
                    case_id=case.id,
                    filed_at=case.filed_at,
                )
            )
            session.flush()

        return self._start(
            session,
            duty,
            organization,
            title=title,
            request=request,
            extra={"report_due_on": window.due_on.isoformat()},
            filed_by=None,
            before_start=claim,
        )

    def report_incident(self, actor: Actor, payload: Mapping[str, Any]) -> int:
        """A committee or firm reports a major problem or emergency; returns the case id."""
        duty = DUTIES[INCIDENT_REPORT]
        if not isinstance(payload, Mapping):
            raise InvalidInput({"_schema": [_("请求体必须是 JSON 对象")]})
        with self.transaction() as session:
            organization = self._reporter(session, actor, payload.get("organization"))
            moment = moment_at(session, self.clock.now())
            ctx = step_context(moment, duty.code, "", {})
            request = validated(duty_forms.validate_filing, duty.code, payload.get("request"), ctx)
            case = self._start(
                session,
                duty,
                organization,
                title=request["title"],
                request=request,
                extra={},
                filed_by=actor.user_id,
            )
            return case.id

    @staticmethod
    def _reporter(session: Session, actor: Actor, wanted: Any) -> Organization:
        """The body the actor reports for: their only one, or the one they name."""
        candidates = [
            g.organization_id for g in actor.grants if g.role == "applicant" and g.organization_id
        ]
        if wanted is not None:
            candidates = [c for c in candidates if c == wanted]
        organizations = [session.get(Organization, c) for c in dict.fromkeys(candidates)]
        organizations = [o for o in organizations if o is not None and o.kind in REPORTER_KINDS]
        if len(organizations) != 1 or not may_file_for(actor, organizations[0].id):
            raise Forbidden(_("您不是可以报告的业主委员会或物业服务企业"))
        return organizations[0]

    def _start(
        self,
        session: Session,
        duty: DutyType,
        organization: Organization,
        *,
        title: str,
        request: dict[str, Any],
        extra: dict[str, Any],
        filed_by: int | None,
        before_start: Callable[[Case], None] | None = None,
    ) -> Case:
        """Create the case row, start its process and record the filing, in ``session``.

        ``before_start`` runs once the case has its id, before the engine work: the
        scheduled filing claims its period there, so a duplicate fails early.
        """
        moment = moment_at(session, self.clock.now())
        case = open_case(
            session,
            moment,
            kind=duty.code,
            sub_type="",
            title=title,
            process_id=duty.process_id,
            estate=organization.place,
            organization=organization,
            filed_by=filed_by,
            request=request,
            extra=extra,
            before_start=before_start,
        )
        announce_open_tasks(session, case, moment.now)
        return case
