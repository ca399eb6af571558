"""Deadline timers: the cases whose timers are due, and firing them one case at a time.

The library has no scheduler: the worker asks for the due cases and fires each under its
own row lock, recording the timers fired (and the escalations they bring) in its history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.model_store import models_for
from service.cases.operation import moment_at
from service.cases.persistence import load_workflow, save
from service.cases.reminders import record_escalations
from service.core.clock import Clock
from service.core.models import Case
from service.history.chain import append_event, state_fingerprint
from workflows.engine.case_engine import CaseEngine


def claim_due_cases(session: Session, now: datetime, limit: int) -> list[int]:
    """Up to ``limit`` running cases with a timer due at ``now``, earliest first, locked
    with SKIP LOCKED so that on PostgreSQL another worker claims others."""
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.status == "running", Case.next_timer_due <= now)
            .order_by(Case.next_timer_due)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Case)
        )
    )


def fire_timers(session: Session, clock: Clock, case_id: int) -> int:
    """Fire one case's due timers under its row lock; 0 if it is busy elsewhere or none is
    due (the case's next timer is brought up to date then)."""
    case = session.scalar(
        select(Case).where(Case.id == case_id).with_for_update(skip_locked=True, of=Case)
    )
    if case is None or case.status != "running":
        return 0
    moment = moment_at(session, clock.now())
    engine = CaseEngine(models_for(session, case.model_version))
    workflow = load_workflow(session, engine, case, moment)
    fired = engine.fire_due_timers(workflow)
    if not fired:
        case.next_timer_due = engine.next_timer_due(workflow)
        return 0
    state = save(session, case, engine, workflow, moment.now)
    append_event(
        session,
        case.id,
        "timers_fired",
        moment.now,
        None,
        None,
        {
            "timers": fired,
            "deadlines": moment.deadlines.issued,
            "digest": case.state_digest,
            "state_sha256": state_fingerprint(state),
        },
    )
    record_escalations(session, case, moment.now)
    return 1
